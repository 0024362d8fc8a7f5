/** ONNX export and import of caviar models; see export.ts and import.ts. */
export { exportOnnx, saveOnnx, OnnxExportError, ONNX_FORMAT, type OnnxExportOptions, type OnnxExportSummary } from './export.js';
export { importOnnx, loadOnnx } from './import.js';
export { INPUT_NAME as ONNX_INPUT_NAME, OUTPUT_NAME as ONNX_OUTPUT_NAME, OPSET_VERSION as ONNX_OPSET_VERSION } from './graph.js';
