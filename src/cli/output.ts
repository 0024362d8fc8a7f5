/**
 * Where commands write: human text, or with `--json` one JSON object per
 * event (for scripts and CI). Commands never call console directly.
 */
export interface Output {
  /** Plain text meant for a person (help, tables); in JSON mode, an event of type 'text'. */
  text(line: string): void;
  /** A structured event, shown to a person as `human` (nothing when it is empty). */
  event(type: string, data: Record<string, unknown>, human: string): void;
}

/** Bad command-line usage: the message is shown as is and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function consoleOutput(json: boolean, write: (line: string) => void = (l) => process.stdout.write(l + '\n')): Output {
  return json
    ? {
        text: (line) => write(JSON.stringify({ type: 'text', text: line })),
        event: (type, data) => write(JSON.stringify({ type, ...data })),
      }
    : {
        text: write,
        // An event with no human text is for scripts only (e.g. one row of a table printed after).
        event: (_type, _data, human) => {
          if (human !== '') write(human);
        },
      };
}
