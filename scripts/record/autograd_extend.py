"""Records PyTorch's behaviour for custom autograd Functions and
torch.autograd.functional, for test/autograd/function.test.ts and
test/autograd/functional.test.ts.

Run with Debian's PyTorch (torch 1.13):
    /usr/bin/python3 scripts/record/autograd_extend.py
Writes test/fixtures/autograd_extend.json: for each scenario, the list of
what it records in order. A tensor is {"t": flat values, "shape", "dtype",
"grad_fn": name or null, "requires_grad"}, a node {"node": name}, an error
{"error": type, "message": PyTorch's message}; booleans, numbers, strings
and null as themselves; tuples and lists as lists. The TypeScript tests run
the same scenarios, written in Kindling, and compare record for record.
"""
import json
import math
import os
import warnings

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable
import torch.autograd.functional as AF

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "autograd_extend.json")

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}


def node_name(n):
    """A node's name as its repr shows it (C++ nodes' name() has a torch::autograd:: prefix)."""
    return n.name().replace("torch::autograd::", "")


def enc(v):
    if isinstance(v, torch.Tensor):
        data = [x if not isinstance(x, float) or math.isfinite(x) else str(x) for x in v.detach().reshape(-1).tolist()]
        return {"t": data, "shape": list(v.shape), "dtype": DTYPES[v.dtype],
                "grad_fn": None if v.grad_fn is None else node_name(v.grad_fn), "requires_grad": v.requires_grad}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if hasattr(v, "name") and callable(v.name):
        return {"node": node_name(v)}
    raise TypeError(type(v))


CASES = {}


def case(fn):
    """A scenario: fn(rec) records values with rec(v) and errors with rec.run(f)."""
    events = []

    def rec(*vs):
        for v in vs:
            events.append(enc(v))

    def run(f):
        try:
            rec(f())
        except Exception as e:  # noqa: BLE001 - the message is the point
            events.append({"error": type(e).__name__, "message": str(e)})

    rec.run = run
    fn(rec)
    CASES[fn.__name__] = events
    return fn


def leaf(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------- Function


class MulConstant(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        ctx.save_for_backward(x)
        return x * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.k, None


@case
def fn_mul_constant(rec):
    x = leaf([1.0, 2.0])
    y = MulConstant.apply(x, 3.0)
    rec(y, y.grad_fn, [[None if n is None else node_name(n), i] for n, i in y.grad_fn.next_functions], y.grad_fn.saved_tensors, y.grad_fn.needs_input_grad, y.grad_fn.k)
    y.sum().backward()
    rec(x.grad)
    rec.run(lambda: y.grad_fn.saved_tensors)


@case
def fn_retain_graph_saved(rec):
    x = leaf([1.0, 2.0])
    y = MulConstant.apply(x, 2.0)
    y.sum().backward(retain_graph=True)
    rec(y.grad_fn.saved_tensors)
    y.sum().backward()
    rec(x.grad)


class Id(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g


@case
def fn_input_returned(rec):
    x = leaf([1.0, 2.0])
    y = Id.apply(x)
    rec(y is x, y._base is x, y.is_leaf, y)
    with torch.no_grad():
        y2 = Id.apply(x)
    rec(y2 is x, y2._base is x, y2.requires_grad)
    z = torch.tensor([1.0, 2.0])
    y3 = Id.apply(z)
    rec(y3 is z, y3._base is z, y3.requires_grad)
    y.sum().backward()
    rec(x.grad)


@case
def fn_view_output_inplace(rec):
    x = leaf([1.0, 2.0])
    y = Id.apply(x.clone())
    rec.run(lambda: y.mul_(2))
    b = x.clone()
    y = Id.apply(b)
    b.add_(1)
    rec.run(lambda: y.grad_fn)
    b = x.clone()
    z = Id.apply(b)[:1]
    rec.run(lambda: z.mul_(2))


class ViewOut(Function):
    @staticmethod
    def forward(ctx, x):
        return x[:1]

    @staticmethod
    def backward(ctx, g):
        return torch.cat([g, torch.zeros(1)])


@case
def fn_view_of_input(rec):
    x = leaf([1.0, 2.0])
    u = x.clone()
    y = ViewOut.apply(u)
    rec(y, y._base is u)
    rec.run(lambda: y.mul_(2))
    y.sum().backward()
    rec(x.grad)




@case
def fn_backward_errors(rec):
    x = leaf([1.0, 2.0])

    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g

    rec.run(lambda: Bad.apply(x, 2.0).sum().backward())

    class Bad2(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    rec.run(lambda: Bad2.apply(x, 2.0).sum().backward())

    class Bad3(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    rec.run(lambda: Bad3.apply(x, 2.0).sum().backward())
    rec(x.grad)

    class Bad4(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return torch.ones(3)

    rec.run(lambda: Bad4.apply(x).sum().backward())

    class Bad6(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return 3

    rec.run(lambda: Bad6.apply(x).sum().backward())

    class NoBwd(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    rec.run(lambda: NoBwd.apply(x).sum().backward())

    class NoFwd(Function):
        pass

    rec.run(lambda: NoFwd.apply(x))


@case
def fn_gradient_reduced_and_cast(rec):
    x = leaf([1.0, 2.0])

    class Wide(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2).double()

    Wide.apply(x).sum().backward()
    rec(x.grad)


@case
def fn_multiple_outputs(rec):
    x = leaf([1.0, 2.0])

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3, "s", 4

        @staticmethod
        def backward(ctx, g1, g2, g3, g4):
            rec(g1, g2, g3, g4)
            return g1 + g2

    a, b, s, n = Two.apply(x)
    rec(a, b, s, n, a.grad_fn is b.grad_fn, a.output_nr, b.output_nr)
    a.sum().backward()
    rec(x.grad)


@case
def fn_materialize_grads(rec):
    x = leaf([1.0, 2.0])

    class TwoNM(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            rec(g1, g2)
            return g1 if g1 is not None else g2

    a, b = TwoNM.apply(x)
    a.sum().backward()
    b.sum().backward()
    rec(x.grad)


@case
def fn_same_output_twice(rec):
    x = leaf([1.0, 2.0])

    class Same(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            return y, y

        @staticmethod
        def backward(ctx, g1, g2):
            rec(g1, g2)
            return g1 + g2

    a, b = Same.apply(x)
    rec(a is b)
    (a.sum() + b.sum() * 10).backward()
    rec(x.grad)


@case
def fn_non_differentiable(rec):
    x = leaf([1.0, 2.0])

    class ND(Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            z = x * 3
            ctx.mark_non_differentiable(z)
            return y, z

        @staticmethod
        def backward(ctx, g1, g2):
            rec(g1, g2)
            return g1

    a, b = ND.apply(x)
    rec(a.requires_grad, b.requires_grad, b.is_leaf)
    a.sum().backward()
    rec(x.grad)

    class NDI(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    r = NDI.apply(x)
    rec(r is x, r.requires_grad, r._base is x)

    class Ints(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.long()

        @staticmethod
        def backward(ctx, g, h):
            rec(h)
            return g

    i, j = Ints.apply(x)
    rec(i.requires_grad, j.requires_grad)
    i.sum().backward()
    rec(x.grad)


class Dirty(Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


@case
def fn_mark_dirty(rec):
    x = leaf([1.0, 2.0])
    u = x.clone()
    v = Dirty.apply(u)
    rec(v is u, u.grad_fn, u._version, [[None if n is None else node_name(n), i] for n, i in u.grad_fn.next_functions])
    v.sum().backward()
    rec(x.grad)
    rec.run(lambda: Dirty.apply(leaf([1.0, 2.0])))
    plain = torch.tensor([1.0, 2.0])
    rec(Dirty.apply(plain), plain.grad_fn)

    class NotReturned(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    rec.run(lambda: NotReturned.apply(x.clone()))


@case
def fn_mark_dirty_view(rec):
    x = leaf([1.0, 2.0])
    base = x.clone()
    view = base[:1]
    r = Dirty.apply(view)
    rec(r.grad_fn, base.grad_fn, base)
    base.sum().backward()
    rec(x.grad)

    class DirtyTwo(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x, x * 2

        @staticmethod
        def backward(ctx, g, h):
            return g * 2

    rec.run(lambda: DirtyTwo.apply(x.clone()[1:]))


class Saves(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class SavesOutput(Function):
    @staticmethod
    def forward(ctx, x):
        y = x * 2
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


@case
def fn_saved_versions(rec):
    x = leaf([1.0, 2.0])
    u = x.clone()
    y = Saves.apply(u)
    u.add_(1)
    rec.run(lambda: y.sum().backward())
    y2 = SavesOutput.apply(x)
    y2.mul_(3)
    rec.run(lambda: y2.sum().backward())
    l2 = leaf([1.0, 2.0])
    y3 = Saves.apply(l2)
    with torch.no_grad():
        l2.add_(1)
    rec.run(lambda: y3.sum().backward())
    y4 = Saves.apply(x)
    rec(y4.grad_fn.saved_tensors[0] is x)

    class SaveBad(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    rec.run(lambda: SaveBad.apply(x))

    class SaveNone(Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(None, x)
            rec(ctx.needs_input_grad, ctx.saved_tensors)
            return x * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            rec(a, b)
            return g * b, None

    SaveNone.apply(x, 2).sum().backward()
    rec(x.grad)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


class CubeOnce(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


@case
def fn_double_backward(rec):
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    rec(g)
    rec(torch.autograd.grad(g.sum(), x))


@case
def fn_once_differentiable(rec):
    x = leaf([1.0, 2.0])
    y = CubeOnce.apply(x)
    (g,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)
    rec(g, [[None if n is None else node_name(n), i] for n, i in g.grad_fn.next_functions])
    rec.run(lambda: g.sum().backward())
    rec.run(lambda: torch.autograd.grad(g.sum(), x))
    (g1,) = torch.autograd.grad(CubeOnce.apply(x).sum(), x, create_graph=True)
    rec(g1)


@case
def fn_grad_mode_inside(rec):
    x = leaf([1.0, 2.0])

    class Modes(Function):
        @staticmethod
        def forward(ctx, x):
            rec(torch.is_grad_enabled(), (x * 2).requires_grad)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            rec(torch.is_grad_enabled())
            return g

    Modes.apply(x).sum().backward()
    torch.autograd.grad(Modes.apply(x).sum(), x, create_graph=True)
    with torch.no_grad():
        y = Modes.apply(x)
    rec(y.requires_grad, y.grad_fn)


@case
def fn_hooks_and_retain_grad(rec):
    x = leaf([1.0, 2.0])
    w = torch.ones(2)

    class M(Function):
        @staticmethod
        def forward(ctx, x, w):
            return x * w

        @staticmethod
        def backward(ctx, g):
            rec(ctx.needs_input_grad)
            return g, g * 100

    y = M.apply(x, w)
    y.register_hook(lambda g: g * 10)
    y.retain_grad()
    y.sum().backward()
    rec(x.grad, y.grad)


# ---------------------------------------------------------------- anomaly mode


@case
def anomaly_modes(rec):
    rec(torch.is_anomaly_enabled())
    with torch.autograd.detect_anomaly():
        rec(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
    rec(torch.is_anomaly_enabled())
    torch.autograd.set_detect_anomaly(True, check_nan=False)
    rec(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
    torch.autograd.set_detect_anomaly(False)
    rec(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())


@case
def anomaly_errors(rec):
    x = leaf([1.0, 0.0])
    a = leaf([0.0, 1.0])
    b = leaf([0.0, 2.0])
    with torch.autograd.detect_anomaly():
        rec.run(lambda: (torch.tensor([1.0, 0.0]) / x).sum().backward())
        rec.run(lambda: (a / b).sum().backward())
        rec.run(lambda: (x * 1).backward(torch.tensor([float("nan"), 1.0])))
        c = x * 2
        d = c.sin()
        c.add_(1)
        rec.run(lambda: d.sum().backward())
        rec.run(lambda: x.sqrt().sum().backward())
        rec(x.grad)
    x.grad = None
    with torch.autograd.detect_anomaly(check_nan=False):
        (torch.tensor([1.0, 0.0]) / x).sum().backward()
        rec(x.grad)
    c = x * 2
    d = c.sin()
    c.add_(1)
    rec.run(lambda: d.sum().backward())


# ---------------------------------------------------------------- saved-tensor hooks


def logging_hooks(log):
    def pack(t):
        log.append(["pack", t.tolist()])
        return t.tolist()

    def unpack(p):
        log.append(["unpack", p])
        return torch.tensor(p)

    return pack, unpack


@case
def hooks_pack_unpack(rec):
    x = leaf([1.0, 2.0])
    log = []
    with torch.autograd.graph.saved_tensors_hooks(*logging_hooks(log)):
        y = x.sin() * x
    rec(log)
    log.clear()
    y.sum().backward()
    # The order formulas read their saved tensors in is the op's own: compare as a multiset.
    rec(sorted(e[1] for e in log), x.grad)


@case
def hooks_nesting_and_functions(rec):
    x = leaf([1.0, 2.0])
    log = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: (log.append("outer"), t)[1], lambda t: t):
        with torch.autograd.graph.saved_tensors_hooks(lambda t: (log.append("inner"), t)[1], lambda t: t):
            x.sin()
        x.cos()
    rec(log)
    log = []

    class S(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    with torch.autograd.graph.saved_tensors_hooks(lambda t: (log.append("p"), t)[1], lambda t: (log.append("u"), t)[1]):
        y = S.apply(x)
        z = x.exp()
    y.sum().backward()
    z.sum().backward(retain_graph=True)
    z.sum().backward()
    rec(log, x.grad)


@case
def hooks_semantics(rec):
    x = leaf([1.0, 2.0])
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        c = x * 2
        d = c.sin()
    c.add_(1)
    rec.run(lambda: d.sum().backward())
    x.grad = None

    def bad_pack(t):
        t.add_(1)
        return t

    # (x * 2 is made outside the hooks: which inputs mul saves differs, see NOTES.md.)
    x2 = x * 2
    with torch.autograd.graph.saved_tensors_hooks(bad_pack, lambda t: t):
        rec.run(lambda: x2.sin())
    x2 = x * 2
    with torch.autograd.graph.saved_tensors_hooks(lambda t: 3, lambda p: p):
        y = x2.sin()
    rec.run(lambda: y.sum().backward())
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t * 2, lambda t: t / 2):
        y = x.exp()
    y.sum().backward()
    rec(x.grad)
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        y = x.pow(3)
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    rec(g, torch.autograd.grad(g.sum(), x))


# ---------------------------------------------------------------- checkpointing


def dropout_block(w):
    return lambda x: torch.nn.functional.dropout(x.matmul(w).tanh(), 0.5, training=True).sum(1)


@case
def checkpoint_reentrant(rec):
    from torch.utils.checkpoint import checkpoint

    torch.manual_seed(0)
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 3, requires_grad=True)
    f = dropout_block(w)
    torch.manual_seed(1)
    y = checkpoint(f, x)
    rec(y, torch.rand(2))
    y.sum().backward()
    rec(x.grad, w.grad)
    rec.run(lambda: torch.autograd.grad(checkpoint(f, x).sum(), x))
    a = leaf([1.0, 2.0])
    b = leaf([3.0, 4.0])
    p, q = checkpoint(lambda a, b: (a * b, (a + b).sum()), a, b)
    rec(p, q)
    (p.sum() + q).backward()
    rec(a.grad, b.grad)
    rec(checkpoint(lambda t, k: t * k, a, 3.0))
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        z = checkpoint(lambda t: t * 2, torch.ones(2))
    rec([str(v.message) for v in ws], z.requires_grad)


@case
def checkpoint_non_reentrant(rec):
    from torch.utils.checkpoint import checkpoint

    torch.manual_seed(0)
    x = torch.randn(4, 3, requires_grad=True)
    w = torch.randn(3, 3, requires_grad=True)
    f = dropout_block(w)
    torch.manual_seed(1)
    y = checkpoint(f, x, use_reentrant=False)
    rec(y, torch.rand(2))
    rec(torch.autograd.grad(y.sum(), [x, w], retain_graph=True))
    y.sum().backward()
    rec(x.grad, w.grad)
    a = leaf([1.0, 2.0])
    y = checkpoint(lambda t: t.pow(3), a, use_reentrant=False)
    (g,) = torch.autograd.grad(y.sum(), a, create_graph=True)
    rec(g, torch.autograd.grad(g.sum(), a))
    torch.manual_seed(2)
    y = checkpoint(f, x, use_reentrant=False, preserve_rng_state=False)
    rec(y)


# ---------------------------------------------------------------- forward-mode AD


@case
def fwad_api(rec):
    import torch.autograd.forward_ad as fwAD

    p = torch.tensor([1.0, 2.0])
    t = torch.tensor([3.0, 4.0])
    rec.run(lambda: fwAD.make_dual(p, t))
    with fwAD.dual_level() as level:
        rec(level)
        d = fwAD.make_dual(p, t)
        rec(str(d), d._base is p, d is p)
        rec.run(lambda: fwAD.make_dual(p, torch.ones(3)))
        rec.run(lambda: fwAD.make_dual(torch.tensor([1, 2]), torch.tensor([1.0, 2.0])))
        rec.run(lambda: fwAD.enter_dual_level())
        y = d.sin() * 2
        u = fwAD.unpack_dual(y)
        rec(str(y), u.primal, u.tangent, u.primal._base is y)
        rec(fwAD.unpack_dual(p).tangent)
        with torch.no_grad():
            z = d.exp()
        rec(str(z), fwAD.unpack_dual(d.detach()).tangent)
        rec(str(d[0]), str(d.sum()), str(d * 3))
    rec(str(d), str(y), fwAD.unpack_dual(d).tangent)


@case
def fwad_inplace_and_views(rec):
    import torch.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        d = fwAD.make_dual(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([3.0, 4.0, 5.0]))
        e = d.clone()
        e.mul_(2)
        rec(fwAD.unpack_dual(e).tangent)
        q = torch.zeros(3)
        q.add_(d)
        rec(fwAD.unpack_dual(q).tangent)
        b = d.clone()
        v = b[1:]
        v.mul_(d[1:])
        rec(fwAD.unpack_dual(b).tangent, fwAD.unpack_dual(v).tangent)
        w = d.clone()
        w[0] = 7.0
        rec(fwAD.unpack_dual(w).tangent)
        r = d.view(3, 1).expand(3, 2).t()
        rec(fwAD.unpack_dual(r).tangent)


@case
def fwad_with_reverse(rec):
    import torch.autograd.forward_ad as fwAD

    x = leaf([1.0, 2.0])
    tt = leaf([3.0, 4.0])
    with fwAD.dual_level():
        dx = fwAD.make_dual(x, torch.tensor([3.0, 4.0]))
        y = dx.exp() * dx
        t = fwAD.unpack_dual(y).tangent
        rec(y, t)
        rec(torch.autograd.grad(t.sum(), x))
        d2 = fwAD.make_dual(torch.tensor([1.0, 2.0]), tt)
        z = (d2 * d2.sin()).sum()
        zt = fwAD.unpack_dual(z).tangent
        rec(zt, torch.autograd.grad(zt, tt))


@case
def fwad_custom_function(rec):
    import torch.autograd.forward_ad as fwAD

    class NoJvp(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2, None

    class WithJvp(Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.save_for_forward(x)
            return x * k, x.exp()

        @staticmethod
        def backward(ctx, g, h):
            return g * ctx.k, None

        @staticmethod
        def jvp(ctx, tx, tk):
            (x,) = ctx.saved_tensors
            rec(tx, tk, x)
            return tx * ctx.k, tx * x.exp()

    with fwAD.dual_level():
        d = fwAD.make_dual(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
        rec.run(lambda: NoJvp.apply(d, 2.0))
        a, b = WithJvp.apply(d, 2.0)
        rec(str(a), str(b))
        rec(str(NoJvp.apply(torch.tensor([1.0]), 2.0)))


FWAD_OPS = {
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "pow": lambda x: x.pow(3),
    "pow_tensor": lambda x: x.pow(x),
    "mul": lambda x: x * x.cos(),
    "div": lambda x: x / (x + 2),
    "sub": lambda x: 1 - x,
    "clamp": lambda x: x.clamp(0.7, 1.6),
    "where": lambda x: torch.where(x > 1, x * 2, x.exp()),
    "maximum": lambda x: torch.maximum(x, x.flip(0)),
    "sum_dim": lambda x: x.reshape(2, 2).sum(1),
    "mean": lambda x: x.mean(),
    "prod": lambda x: x.prod(),
    "amax": lambda x: x.amax(),
    "max_dim": lambda x: x.reshape(2, 2).max(1)[0],
    "var": lambda x: x.var(),
    "std": lambda x: x.std(),
    "norm": lambda x: x.norm(),
    "logsumexp": lambda x: x.logsumexp(0),
    "softmax": lambda x: x.softmax(0),
    "log_softmax": lambda x: x.log_softmax(0),
    "cumsum": lambda x: x.cumsum(0),
    "cumprod": lambda x: x.cumprod(0),
    "matmul": lambda x: x.reshape(2, 2) @ x.reshape(2, 2),
    "mv": lambda x: x.reshape(2, 2).mv(x[:2]),
    "dot": lambda x: x.dot(x.flip(0)),
    "cat": lambda x: torch.cat([x, x * 2]),
    "stack": lambda x: torch.stack([x, x.exp()]),
    "index": lambda x: x[torch.tensor([3, 0, 3])],
    "gather": lambda x: x.reshape(2, 2).gather(1, torch.tensor([[1], [0]])),
    "masked_fill": lambda x: x.masked_fill(x > 1.2, 0.0),
    "gelu": lambda x: torch.nn.functional.gelu(x),
    "silu": lambda x: torch.nn.functional.silu(x),
    "softplus": lambda x: torch.nn.functional.softplus(x),
    "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x - 1, 0.1),
    "mse_loss": lambda x: torch.nn.functional.mse_loss(x, torch.ones(4, dtype=torch.float64)),
    "cross_entropy": lambda x: torch.nn.functional.cross_entropy(x.reshape(2, 2), torch.tensor([1, 0])),
    "linear": lambda x: torch.nn.functional.linear(x.reshape(2, 2), x.reshape(2, 2).t(), x[:2]),
    "conv1d": lambda x: torch.nn.functional.conv1d(x.reshape(1, 1, 4), x[:2].reshape(1, 1, 2)),
    "avg_pool": lambda x: torch.nn.functional.avg_pool2d(x.reshape(1, 1, 2, 2), 2),
    "max_pool": lambda x: torch.nn.functional.max_pool2d(x.reshape(1, 1, 2, 2), 2),
    "layer_norm": lambda x: torch.nn.functional.layer_norm(x, (4,)),
}


@case
def fwad_ops(rec):
    import torch.autograd.forward_ad as fwAD

    for name, f in FWAD_OPS.items():
        with fwAD.dual_level():
            d = fwAD.make_dual(torch.tensor([0.5, 1.5, 1.0, 2.0], dtype=torch.float64), torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64))
            out = f(d)
            rec([name, fwAD.unpack_dual(out).tangent])


# ---------------------------------------------------------------- functional


def sq_sum(x):
    return x.pow(2).sum(1)


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


def pair(x, y):
    return x * y, (x + y).sum()


def cube_sum(x):
    return x.pow(3).sum()


def pow_adder(x, y):
    return (2 * x.pow(2) + 3 * y.pow(2)).sum()


def mixed(x, y):
    return (x * y.sin()).sum() + x.pow(2).sum()


X = [[1.0, 2.0], [3.0, 4.0]]


@case
def functional_vjp(rec):
    x = torch.tensor(X)
    rec(AF.vjp(sq_sum, x, torch.tensor([1.0, 10.0])))
    rec(AF.vjp(sq_sum, x, torch.tensor([1.0, 10.0]), create_graph=True))
    rec(AF.vjp(exp_adder, (torch.tensor([0.5, 1.0]), torch.tensor([2.0, 3.0])), torch.ones(2)))
    rec(AF.vjp(pair, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])), (torch.ones(2), torch.tensor(2.0))))
    rec(AF.vjp(cube_sum, torch.tensor([1.0, 2.0])))
    rec(AF.vjp(lambda x, y: x * 2, (torch.tensor([1.0]), torch.tensor([2.0])), torch.ones(1)))
    xr = leaf([1.0, 2.0])
    out, g = AF.vjp(lambda x: x.pow(2), xr, torch.ones(2), create_graph=True)
    rec(out, g, torch.autograd.grad(g.sum(), xr))


@case
def functional_jvp(rec):
    x = torch.tensor(X)
    rec(AF.jvp(sq_sum, x, torch.ones(2, 2)))
    rec(AF.jvp(sq_sum, x, torch.ones(2, 2), create_graph=True))
    rec(AF.jvp(exp_adder, (torch.tensor([0.5, 1.0]), torch.tensor([2.0, 3.0])), (torch.ones(2), torch.tensor([1.0, -1.0]))))
    rec(AF.jvp(pair, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])), (torch.ones(2), torch.ones(2))))
    rec(AF.jvp(lambda x: x.pow(2), torch.tensor([3.0])))


@case
def functional_jacobian(rec):
    rec(AF.jacobian(lambda x: x.exp().sum(1), torch.tensor(X) / 4))
    rec(AF.jacobian(exp_adder, (torch.tensor([0.5, 1.0]), torch.tensor([2.0, 3.0]))))
    rec(AF.jacobian(pair, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))))
    rec(AF.jacobian(lambda x: (x.sin(), x.cos().sum()), torch.tensor([0.5, 1.0])))
    rec(AF.jacobian(lambda x: x.sin(), torch.tensor([0.5, 1.0]), create_graph=True))
    rec(AF.jacobian(lambda x, y: x * 2, (torch.tensor([1.0]), torch.tensor([2.0]))))
    rec(AF.jacobian(lambda x: x.sin(), torch.tensor([0.5, 1.0]), vectorize=True))
    rec(AF.jacobian(lambda x: x.matmul(x.t()), torch.tensor([[1.0, 2.0], [0.5, -1.0]])))


@case
def functional_hessian(rec):
    rec(AF.hessian(cube_sum, torch.tensor(X)))
    rec(AF.hessian(pow_adder, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))))
    rec(AF.hessian(mixed, (torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0]))))
    rec(AF.hessian(lambda x: (x.pow(2) * x.sum()).sum(), torch.tensor([1.0, 2.0, 3.0]), create_graph=True))
    rec(AF.hessian(lambda x: x.exp().sum(), torch.tensor([0.0, 1.0]), vectorize=True))


@case
def functional_vhp_hvp(rec):
    x = torch.tensor(X)
    v = torch.tensor([[1.0, 0.5], [-1.0, 2.0]])
    rec(AF.vhp(cube_sum, x, v))
    rec(AF.hvp(cube_sum, x, v))
    rec(AF.vhp(mixed, (torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])), (torch.ones(2), torch.tensor([1.0, 2.0]))))
    rec(AF.hvp(mixed, (torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])), (torch.ones(2), torch.tensor([1.0, 2.0]))))
    rec(AF.vhp(cube_sum, x, v, create_graph=True))
    rec(AF.hvp(cube_sum, x, v, create_graph=True))
    rec(AF.hvp(lambda x: x.pow(4).sum(), torch.tensor([2.0])))


@case
def functional_errors(rec):
    x = torch.tensor(X)
    rec.run(lambda: AF.vjp(sq_sum, x))
    rec.run(lambda: AF.vjp(sq_sum, x, torch.ones(3)))
    rec.run(lambda: AF.vjp(pair, (x[0], x[1]), (torch.ones(2),)))
    rec.run(lambda: AF.vjp(pair, (x[0], x[1]), (torch.ones(2), torch.ones(2))))
    rec.run(lambda: AF.jvp(sq_sum, x))
    rec.run(lambda: AF.jvp(sq_sum, x, (torch.ones(2, 2), torch.ones(2, 2))))
    rec.run(lambda: AF.vjp(lambda x: torch.ones(1), torch.tensor([1.0]), strict=True))
    rec.run(lambda: AF.vjp(lambda x, y: x * 2, (torch.tensor([1.0]), torch.tensor([2.0])), torch.ones(1), strict=True))
    rec.run(lambda: AF.jacobian(lambda x, y: x * 2, (torch.tensor([1.0]), torch.tensor([2.0])), strict=True))
    rec.run(lambda: AF.jacobian(lambda x: x * 2, torch.tensor([1.0]), strict=True, create_graph=True))
    rec.run(lambda: AF.jacobian(lambda x: x * 2, torch.tensor([1.0]), strict=True, vectorize=True))
    rec.run(lambda: AF.hessian(lambda x: (x * 2).sum(), torch.tensor([1.0, 2.0]), strict=True))
    rec.run(lambda: AF.hessian(lambda x: x * 2, torch.tensor([1.0, 2.0])))
    rec.run(lambda: AF.hessian(lambda x: (x, x), torch.tensor([1.0])))
    rec.run(lambda: AF.vhp(lambda x: x * 2, torch.tensor([1.0, 2.0]), torch.ones(2)))
    rec.run(lambda: AF.hvp(lambda x: (x.sum(), x.sum()), torch.tensor([1.0, 2.0]), torch.ones(2)))
    rec.run(lambda: AF.vhp(lambda x: x.sum(), torch.tensor([1.0, 2.0])))
    rec.run(lambda: AF.hvp(lambda x: (x * 2).sum(), torch.tensor([1.0, 2.0]), torch.ones(2), strict=True))
    rec.run(lambda: AF.jvp(lambda x: x.detach() * 2, torch.tensor([1.0]), torch.ones(1), strict=True))
    rec.run(lambda: AF.jvp(lambda x, y: x * 2, (torch.tensor([1.0]), torch.tensor([2.0])), (torch.ones(1), torch.ones(1)), strict=True))


with open(OUT, "w") as f:
    json.dump(CASES, f, indent=1)
    f.write("\n")
print(f"wrote {len(CASES)} scenarios to {os.path.relpath(OUT)}")
