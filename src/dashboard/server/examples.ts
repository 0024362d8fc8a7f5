/**
 * A trial's test examples, for the predictions the trial page computes in
 * the browser: the test set of the experiment its study recorded (`caviar
 * tune` keeps the experiment file and where it was in the study's `data`),
 * split as the trial's run split it. Nothing comes from the request but the
 * trial's key and a range: the files read are the ones the recorded
 * experiment names, as `caviar worker` would read them.
 *
 * The examples are served only while the trial's model file is its own (it
 * records this study and trial): the page predicts them with that model, and
 * another study's model would give predictions that are not this trial's.
 *
 * The answer is binary (see `ExamplesHeader`): Fashion-MNIST's 10,000 test
 * images are 7.8 MB as bytes, four times that as JSON-free float32.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dataset } from '../../data/dataset.js';
import { loadTestSplit } from '../../experiment/data.js';
import { parseExperiment, type Experiment } from '../../experiment/spec.js';
import type { ExamplesHeader } from '../api-types.js';
import { HttpError, SECURITY_HEADERS } from './http.js';
import type { StudyMirror } from './mirror.js';
import type { StoreSet } from './stores.js';
import { modelState } from './trial-model.js';

/** A study's test set, ready to send: the header's fixed part, the labels and the inputs in their compact form. */
interface TestExamples {
  readonly header: Omit<ExamplesHeader, 'offset' | 'count'>;
  readonly labels: Int32Array; // [total]
  readonly x: Uint8Array | Float32Array; // [total][features]
}

/** Per study, while its recorded experiment stays the same object: reading Fashion-MNIST takes a few hundred ms. */
const cache = new WeakMap<StudyMirror, { data: unknown; examples: TestExamples }>();

export async function sendExamples(set: StoreSet, key: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { mirror, trial } = await set.trial(key);
  const { modelProblem } = modelState(mirror, trial);
  if (modelProblem) throw new HttpError(409, `refused: ${modelProblem}`);
  const examples = testExamples(mirror);
  const { total, features } = examples.header;
  const offset = rangeParam(query, 'offset', 0, total);
  const count = Math.min(rangeParam(query, 'limit', total, Number.MAX_SAFE_INTEGER), total - offset);
  const header: ExamplesHeader = { ...examples.header, offset, count };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (4 - ((4 + headerBytes.length) % 4)) % 4;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const { labels, x } = examples;
  const body = Buffer.concat([
    length, headerBytes, Buffer.alloc(padding),
    Buffer.from(labels.buffer, labels.byteOffset + 4 * offset, 4 * count),
    Buffer.from(x.buffer, x.byteOffset + x.BYTES_PER_ELEMENT * offset * features, x.BYTES_PER_ELEMENT * count * features),
  ]);
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function testExamples(mirror: StudyMirror): TestExamples {
  const data = mirror.record.data;
  const cached = cache.get(mirror);
  if (cached && cached.data === data) return cached.examples;
  const exp = recordedExperiment(mirror);
  let test: Dataset;
  let description: string;
  try {
    ({ test, description } = loadTestSplit(exp.data, exp.seed));
  } catch (e) {
    throw new HttpError(422, `study '${mirror.record.name}': its test data cannot be loaded: ${(e as Error).message}`);
  }
  const examples = encode(test, description, exp);
  cache.set(mirror, { data, examples });
  return examples;
}

/** Whether the study recorded its experiment (checked, not parsed). */
export function hasRecordedExperiment(mirror: StudyMirror): boolean {
  const d = mirror.record.data as { experiment?: unknown; source?: unknown } | null;
  return !!d && typeof d === 'object' && d.experiment !== undefined && typeof d.source === 'string';
}

function recordedExperiment(mirror: StudyMirror): Experiment {
  const d = mirror.record.data as { experiment: unknown; source: string };
  if (!hasRecordedExperiment(mirror)) {
    throw new HttpError(404, `study '${mirror.record.name}' has no recorded experiment (it was not made by 'caviar tune'), so there are no test examples to show`);
  }
  try {
    return parseExperiment(d.experiment, d.source);
  } catch (e) {
    throw new HttpError(422, `study '${mirror.record.name}': its recorded experiment is not valid: ${(e as Error).message}`);
  }
}

function encode(test: Dataset, description: string, exp: Experiment): TestExamples {
  const side = Math.round(Math.sqrt(test.features));
  const isImage = exp.data.source === 'fashion-mnist' || (exp.data.source === 'idx' && side * side === test.features);
  // Pixels (and any other data of whole numbers 0..255) go as bytes; the page turns them back into the same float32 values.
  const bytes = test.x.every((v) => v >= 0 && v <= 255 && Number.isInteger(v));
  return {
    header: {
      total: test.count,
      features: test.features,
      classes: test.classes,
      classNames: test.classNames ? [...test.classNames] : null,
      featureNames: test.featureNames ? [...test.featureNames] : null,
      image: isImage ? { width: side, height: side } : null,
      values: bytes ? 'uint8' : 'float32',
      description,
    },
    labels: test.y,
    x: bytes ? Uint8Array.from(test.x) : test.x,
  };
}

/** A whole number in [0, max] from the query, or `fallback` when absent. */
function rangeParam(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = query.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n > max) throw new HttpError(400, `${name}: expected a whole number from 0 to ${max}, got '${text.slice(0, 40)}'`);
  return n;
}
