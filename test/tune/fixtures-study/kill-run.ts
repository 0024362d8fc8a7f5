// A process running a SQLite study, for study-kill.test.ts, which SIGKILLs it in
// the middle of a trial and starts it again. It prints one line per event.
// Usage: node --import tsx kill-run.ts <file> <complete trials wanted>
import { createStudy } from '../../../src/tune/study.js';

const [path, wanted] = process.argv.slice(2);
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const study = await createStudy({
  name: 'kill',
  storage: `sqlite:${path}`,
  loadIfExists: true,
  seed: 3,
  heartbeatMs: 100,
  graceMs: 1500,
  maxRetries: 2,
});
await study.optimize(
  async (trial) => {
    const x = trial.suggestFloat('x', 0, 1);
    // 'start' says the trial's parameters are stored (the test kills the process on it and reads them back). They are
    // written in the background once the objective yields, which on a busy machine can be after a line printed now.
    while ((await study.storage.trialsSince(study.id, 0)).trials.find((t) => t.number === trial.number)?.params.x === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    say(`start ${trial.number}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return x;
  },
  { untilComplete: Number(wanted), onTrialComplete: (t) => say(`${t.state} ${t.number}`) },
);
await study.close();
say('finished');
