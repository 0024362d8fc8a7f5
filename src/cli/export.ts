/**
 * `caviar export MODEL --format onnx OUT`: writes a saved model as ONNX, for
 * ONNX Runtime and the other runtimes that read the format. The graph takes
 * raw inputs, as `caviar predict` does, and returns class probabilities.
 */
import { loadSavedModel } from '../io/model-file.js';
import { checkOutputFile } from '../io/output-file.js';
import { saveOnnx } from '../io/onnx/export.js';
import { INPUT_NAME, OPSET_VERSION, OUTPUT_NAME } from '../io/onnx/graph.js';
import { UsageError, type Output } from './output.js';
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';

export const exportSpec = command({
  name: 'export',
  summary: 'write a saved model as ONNX (raw inputs in, probabilities out), for ONNX Runtime and others',
  usage: 'MODEL --format onnx OUT [options]',
  about: `Writes the model saved in MODEL (a .safetensors file from caviar train, tune,
best or import) to OUT as an ONNX file (opset ${OPSET_VERSION}), which ONNX Runtime and
other runtimes load. The graph takes raw inputs, as caviar predict does (the
input normalization fitted at training is part of it), in eval mode (batch
norm uses its running statistics; dropout is left out):

  ${INPUT_NAME.padEnd(13)}  float32 [batch, features]
  ${OUTPUT_NAME.padEnd(13)}  float32 [batch, classes], the probability of each class

The file's metadata holds the architecture, the class names and the
experiment, study and trial the model came from; caviar import reads it back.
OUT is written atomically, and not at all when MODEL cannot be exported. An
existing ONNX file that caviar exported is replaced; MODEL, a study file or
a folder never is, and any other file only with --force.`,
  options: {
    format: { type: 'string', choices: ['onnx'], doc: 'the format to write (onnx, the only one; the default)' },
    'fold-bn': { type: 'boolean', doc: 'fold each batch norm into the dense layer before it: fewer nodes, the same probabilities to within about 1e-6' },
    force: { type: 'boolean', doc: 'replace OUT even when it is not an ONNX file caviar exported' },
  },
  exits: '0 exported; 2 bad usage, a MODEL that cannot be read or has a layer ONNX cannot express, or OUT refused',
  examples: ['caviar export caviar-out/model.safetensors --format onnx model.onnx --fold-bn'],
});

export async function exportCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, exportSpec);
  if (values.help) {
    out.text(helpText(exportSpec));
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected a MODEL file and an OUT file, got ${positionals.length} arguments: caviar export ${exportSpec.usage}`);
  const format = values.format ?? 'onnx';
  const [modelPath, outPath] = positionals;
  const rule = { flag: 'OUT', kind: 'onnx', force: Boolean(values.force), inputs: [{ path: modelPath, what: 'MODEL' }] } as const;
  checkOutputFile(outPath, rule);
  const { model, metadata } = loadSavedModel(modelPath);
  const summary = saveOnnx(model, outPath, { foldBatchNorm: Boolean(values['fold-bn']), metadata });
  const folding = values['fold-bn']
    ? `; ${summary.foldedBatchNorms} batch norm${summary.foldedBatchNorms === 1 ? '' : 's'} folded` +
      (summary.keptBatchNorms ? `, ${summary.keptBatchNorms} kept as BatchNormalization (no dense layer right before)` : '')
    : '';
  out.event('exported', { model: modelPath, path: outPath, format, opset: OPSET_VERSION, ...summary },
    `${modelPath} exported to ${outPath}: ONNX opset ${OPSET_VERSION}, ${summary.nodes} nodes, ${summary.bytes} bytes${folding}\n` +
    `  input '${INPUT_NAME}' float32 [batch, ${model.inputSize}] (raw features), output '${OUTPUT_NAME}' float32 [batch, ${model.classes}]`);
  return 0;
}

