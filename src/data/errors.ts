/**
 * The error every data reader throws for bad input (a corrupt IDX file, a
 * CSV cell that is not a number, labels out of range). It is a separate class
 * so a command line can tell "your file is wrong" (exit with the message)
 * from a bug in caviar (print the stack). `source` is the file name or the
 * name the caller gave to in-memory bytes; the message already starts with it.
 *
 * @example
 *   try { readIdx(bytes, 'labels.idx'); }
 *   catch (e) { if (e instanceof DataError) console.error(e.message); else throw e; }
 */
export class DataError extends Error {
  constructor(
    readonly source: string,
    problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'DataError';
  }
}
