// TypeDoc plugin: documents the functions an op file exports by destructuring
// (`export const [neg, neg_] = defineUnary(...)`, the op and its in-place form)
// with the TSDoc comment of their statement, which TypeDoc does not attach to
// the names it binds. The in-place form's summary says so and links the op.
import { Comment, Converter, ReflectionKind } from "typedoc";
import ts from "typescript";

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (reflection.kind !== ReflectionKind.Variable || reflection.comment !== undefined) return;
    const symbol = context.getSymbolFromReflection(reflection);
    const decl = symbol?.declarations?.[0];
    if (decl === undefined || !ts.isBindingElement(decl)) return;
    let statement = decl.parent;
    while (statement !== undefined && !ts.isVariableStatement(statement)) statement = statement.parent;
    if (statement === undefined) return;
    const comment = context.getNodeComment(statement, false);
    if (comment === undefined) return;
    const pattern = decl.parent;
    const first = ts.isArrayBindingPattern(pattern) ? pattern.elements.find((e) => ts.isBindingElement(e)) : undefined;
    const firstName = first !== undefined && ts.isIdentifier(first.name) ? first.name.text : undefined;
    const copy = comment.clone();
    if (firstName !== undefined && reflection.name !== firstName && reflection.name === `${firstName}_`) {
      copy.summary = [
        { kind: "text", text: `In-place form of \`${firstName}\` (writes the result into its input and returns it). ` },
        ...copy.summary,
      ];
      copy.blockTags = copy.blockTags.filter((t) => t.tag !== "@example");
    }
    reflection.comment = copy;
  });
}

export { Comment };
