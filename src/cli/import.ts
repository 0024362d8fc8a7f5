/**
 * `caviar import MODEL.onnx OUT.safetensors`: reads an ONNX file that
 * caviar export wrote and saves the model as a caviar model file again.
 */
import { parseCommand } from './args.js';
import { command, helpText } from './command.js';
import { saveModel } from '../io/model-file.js';
import { checkOutputFile } from '../io/output-file.js';
import { loadOnnx } from '../io/onnx/import.js';
import { UsageError, type Output } from './output.js';

export const importSpec = command({
  name: 'import',
  summary: 'read an ONNX file written by caviar export back into a caviar model file',
  usage: 'MODEL.onnx OUT [options]',
  about: `Reads an ONNX file written by caviar export and saves the model in OUT as a
caviar model file (.safetensors), which caviar predict, export and the
library load. The architecture comes from the file's metadata and is checked
against its graph; ONNX files from other tools are refused. A model exported
with --fold-bn comes back without its batch norms (they are in the dense
layers' weights), with the same predictions. An existing caviar model in OUT
is replaced; the ONNX file, a study file or a folder never is, and any other
file only with --force.`,
  options: {
    force: { type: 'boolean', doc: 'replace OUT even when it is not a caviar model' },
  },
  exits: '0 imported; 2 bad usage, an ONNX file caviar did not export (or whose graph disagrees with its metadata), or OUT refused',
  examples: ['caviar import model.onnx model.safetensors'],
});

export async function importCommand(args: string[], out: Output): Promise<number> {
  const { values, positionals } = parseCommand(args, importSpec);
  if (values.help) {
    out.text(helpText(importSpec));
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected an ONNX file and an OUT file, got ${positionals.length} arguments: caviar import ${importSpec.usage}`);
  const [onnxPath, outPath] = positionals;
  checkOutputFile(outPath, { flag: 'OUT', kind: 'model', force: Boolean(values.force), inputs: [{ path: onnxPath, what: 'the ONNX file' }] });
  const { model, metadata } = loadOnnx(onnxPath);
  saveModel(model, outPath, metadata);
  const layers = model.config.layers.map((l) => (l.type === 'dense' ? `dense(${l.units})` : l.type)).join(' ');
  out.event('imported', { path: onnxPath, model: outPath, layers: model.config.layers.length, parameters: model.parameterCount },
    `${onnxPath} imported to ${outPath}: ${model.inputSize} inputs, ${layers}, ${model.parameterCount} parameters`);
  return 0;
}
