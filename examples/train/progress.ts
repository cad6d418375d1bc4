// The progress bar of the training examples: `tick(loss)` after every batch shows the running loss,
// `done(summary)` finishes the line and returns the mean loss since the bar started. On a terminal it
// is a cli-progress bar; when stdout is not a terminal (a pipe, a file, CI) it prints one plain line
// when done instead. `quiet` prints nothing.
import cliProgress from "cli-progress";

export interface Progress {
  tick(loss: number): void;
  done(summary: string): number;
}

/** A progress bar labelled `label` (e.g. `epoch  3/30`) over `total` batches. */
export function progressBar(label: string, total: number, quiet = false): Progress {
  const bar =
    !quiet && process.stdout.isTTY
      ? new cliProgress.SingleBar(
          {
            format: `${label} {bar} {value}/{total} | loss {loss} {summary}`,
            stream: process.stdout,
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let sum = 0;
  let count = 0;
  const running = () => (count === 0 ? Number.NaN : sum / count);
  bar?.start(total, 0, { loss: "-", summary: "" });
  return {
    tick(loss: number) {
      sum += loss;
      count++;
      bar?.increment({ loss: running().toFixed(4) });
    },
    done(summary: string) {
      if (bar) {
        bar.update({ loss: running().toFixed(4), summary });
        bar.stop();
      } else if (!quiet) {
        console.log(`${label} loss ${running().toFixed(4)} ${summary}`);
      }
      return running();
    },
  };
}
