// The protobuf wire format and the ONNX messages, checked byte for byte
// against the encoding rules (the examples of protobuf's encoding guide), read
// back, and read from a file the official onnx package wrote
// (fixtures/onnx/foreign.onnx); ONNX Runtime judges whole files in onnx.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { int64, packedVarints, ProtoError, ProtoWriter, readFields } from '../../src/io/onnx/protobuf.js';
import { DATA_TYPE, decodeModelProto, encodeModelProto, FIELD, type OnnxModel } from '../../src/io/onnx/onnx-proto.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('protobuf writer: varints, negative int64, floats, strings and nested messages as the encoding guide gives them', () => {
  assert.deepEqual(new ProtoWriter().varint(1, 150).finish(), bytes(0x08, 0x96, 0x01));
  assert.deepEqual(new ProtoWriter().varint(1, 0).finish(), bytes(0x08, 0x00));
  assert.deepEqual(new ProtoWriter().string(2, 'testing').finish(), bytes(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67));
  // int64 -1: ten bytes of two's complement.
  assert.deepEqual(new ProtoWriter().varint(1, -1).finish(), bytes(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  assert.deepEqual(new ProtoWriter().float(2, 1).finish(), bytes(0x15, 0x00, 0x00, 0x80, 0x3f));
  const inner = new ProtoWriter().varint(1, 150).finish();
  assert.deepEqual(new ProtoWriter().message(3, inner).finish(), bytes(0x1a, 0x03, 0x08, 0x96, 0x01));
  // Field numbers above 15 take a two-byte key: field 20, varint -> (20 << 3) | 0 = 160.
  assert.deepEqual(new ProtoWriter().varint(20, 1).finish(), bytes(0xa0, 0x01, 0x01));
  assert.throws(() => new ProtoWriter().varint(1, 0.5), /not an integer/);
  // The buffer grows past its first 256 bytes.
  const big = new Uint8Array(1000).map((_, i) => i % 251);
  const f = readFields(new ProtoWriter().bytes(9, big).finish());
  assert.equal(f.length, 1);
  assert.deepEqual(f[0].value, big);
});

test('protobuf reader: fields back with their numbers and wire types; int64 signs; packed varints', () => {
  const encoded = new ProtoWriter().varint(1, 150).string(2, 'testing').float(5, 0.5).varint(7, -3).finish();
  const fields = readFields(encoded);
  assert.deepEqual(fields.map((f) => [f.field, f.wire]), [[1, 0], [2, 2], [5, 5], [7, 0]]);
  assert.equal(fields[0].value, 150n);
  assert.equal(new TextDecoder().decode(fields[1].value as Uint8Array), 'testing');
  assert.equal((fields[2].value as DataView).getFloat32(0, true), 0.5);
  assert.equal(int64(fields[3].value as bigint, 'x', 0), -3);
  assert.deepEqual(packedVarints(bytes(0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05), 0), [3n, 270n, 86942n]); // the guide's packed example
});

test('protobuf reader: truncated or malformed bytes are errors with the byte offset, never a silent partial read', () => {
  assert.throws(() => readFields(bytes(0x12, 0x07, 0x74)), (e: unknown) =>
    e instanceof ProtoError && /field 2 says 7 bytes follow but only 1 remain \(truncated\?\) \(at byte 0\)/.test(e.message));
  assert.throws(() => readFields(bytes(0x08, 0x96)), /ends inside a varint/);
  assert.throws(() => readFields(bytes(0x15, 0x00, 0x00)), /needs 4 bytes of 32-bit value but only 2 remain/);
  assert.throws(() => readFields(bytes(0x0b)), /wire type 3/); // a group start
  assert.throws(() => readFields(bytes(0x00, 0x01)), /field number 0/);
  assert.throws(() => readFields(new Uint8Array(12).fill(0xff)), /longer than 10 bytes|ends inside a varint/);
  // Offsets inside nested messages count from the start of the file.
  assert.throws(() => readFields(bytes(0x12, 0x07, 0x74), 100), /at byte 100/);
});

function sampleModel(): OnnxModel {
  return {
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'caviar',
    producerVersion: '0.1.0',
    docString: 'a test',
    graph: {
      name: 'g',
      nodes: [
        { name: 'n0', opType: 'Gemm', domain: '', inputs: ['input', 'w'], outputs: ['z'], attributes: [{ name: 'transB', type: 'int', value: 1 }] },
        { name: 'n1', opType: 'LeakyRelu', domain: '', inputs: ['z'], outputs: ['a'], attributes: [{ name: 'alpha', type: 'float', value: Math.fround(0.2) }] },
        { name: 'n2', opType: 'Custom', domain: 'example.org', inputs: ['a'], outputs: ['probabilities'], attributes: [{ name: 'mode', type: 'string', value: 'é' }] },
      ],
      initializers: [{ name: 'w', dims: [2, 3], dataType: DATA_TYPE.FLOAT, data: new Float32Array([1, -2, 3.5, 0, 1e-30, -7]), external: false }],
      inputs: [{ name: 'input', elemType: DATA_TYPE.FLOAT, shape: ['batch', 3] }],
      outputs: [{ name: 'probabilities', elemType: DATA_TYPE.FLOAT, shape: ['batch', 2] }],
    },
    metadataProps: [{ key: 'caviar.format', value: 'caviar-onnx/1' }, { key: 'classNames', value: '["a","b"]' }],
  };
}

test('ONNX messages: a ModelProto reads back field for field', () => {
  const model = sampleModel();
  const decoded = decodeModelProto(encodeModelProto(model));
  assert.equal(decoded.hasIrVersion, true);
  assert.equal(decoded.hasGraph, true);
  const { hasIrVersion: _a, hasGraph: _b, ...rest } = decoded;
  assert.deepEqual(rest, model);
  // onnx.proto's numbering: ir_version is field 1 (varint), producer_name field 2.
  assert.deepEqual(encodeModelProto(model).subarray(0, 10), bytes(0x08, 0x07, 0x12, 0x06, ...new TextEncoder().encode('caviar')));
});

test('ONNX messages: tensors as other writers store them (packed dims, float_data) read the same; other types are kept as their type', () => {
  const T = FIELD.TensorProto;
  const packedDims = bytes(0x02, 0x02); // [2, 2] as packed varints
  const floats = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const tensor = new ProtoWriter().bytes(T.dims, packedDims).varint(T.data_type, DATA_TYPE.FLOAT).string(T.name, 'w').bytes(T.float_data, floats).finish();
  const int64Tensor = new ProtoWriter().varint(T.dims, 1).varint(T.data_type, DATA_TYPE.INT64).string(T.name, 'shape').finish();
  const external = new ProtoWriter().varint(T.data_type, DATA_TYPE.FLOAT).string(T.name, 'big').varint(T.data_location, 1).finish();
  const graph = new ProtoWriter().message(FIELD.GraphProto.initializer, tensor).message(FIELD.GraphProto.initializer, int64Tensor)
    .message(FIELD.GraphProto.initializer, external).finish();
  const model = decodeModelProto(new ProtoWriter().varint(FIELD.ModelProto.ir_version, 8).message(FIELD.ModelProto.graph, graph).finish());
  const [w, shape, big] = model.graph.initializers;
  assert.deepEqual(w, { name: 'w', dims: [2, 2], dataType: DATA_TYPE.FLOAT, data: new Float32Array([1, 2, 3, 4]), external: false });
  assert.deepEqual(shape, { name: 'shape', dims: [1], dataType: DATA_TYPE.INT64, data: null, external: false });
  assert.equal(big.external, true);
  assert.equal(big.data, null);
});

test('ONNX messages: a known field with the wrong wire type, or raw data of the wrong size, is refused', () => {
  assert.throws(() => decodeModelProto(new ProtoWriter().varint(FIELD.ModelProto.graph, 1).finish()),
    /ModelProto\.graph \(field 7\) is varint, expected length-delimited/);
  const T = FIELD.TensorProto;
  const tensor = new ProtoWriter().varint(T.dims, 3).varint(T.data_type, DATA_TYPE.FLOAT).string(T.name, 'w').bytes(T.raw_data, new Uint8Array(8)).finish();
  const graph = new ProtoWriter().message(FIELD.GraphProto.initializer, tensor).finish();
  assert.throws(() => decodeModelProto(new ProtoWriter().message(FIELD.ModelProto.graph, graph).finish()),
    /tensor 'w': dims \[3\] need 12 bytes of float32 but raw_data has 8/);
  assert.throws(() => decodeModelProto(new ProtoWriter().bytes(FIELD.ModelProto.producer_name, bytes(0xff, 0xfe)).finish()), /not valid UTF-8/);
});

test('ONNX messages: a file written by the official onnx package (foreign.onnx) reads as that package wrote it', () => {
  const onnx = decodeModelProto(readFileSync(new URL('../fixtures/onnx/foreign.onnx', import.meta.url)));
  assert.equal(onnx.irVersion, 7);
  assert.equal(onnx.producerName, 'onnx-example');
  assert.equal(onnx.producerVersion, '1.0');
  assert.equal(onnx.docString, 'written by make-foreign.py');
  assert.deepEqual(onnx.opsetImport, [{ domain: '', version: 13 }]);
  assert.deepEqual(onnx.metadataProps, [{ key: 'author', value: 'nobody' }]);
  const { graph } = onnx;
  assert.equal(graph.name, 'example');
  assert.deepEqual(graph.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs]), [
    ['fc', 'Gemm', ['x', 'fc.weight', 'fc.bias'], ['h']],
    ['relu', 'Relu', ['h'], ['r']],
    ['reshape', 'Reshape', ['r', 'shape'], ['r2']],
    ['offset', 'Constant', [], ['offset']],
    ['add', 'Add', ['r2', 'offset'], ['z']],
    ['softmax', 'Softmax', ['z'], ['y']],
  ]);
  // helper.make_node sorts attributes by name.
  assert.deepEqual(graph.nodes[0].attributes, [{ name: 'alpha', type: 'float', value: 1 }, { name: 'transB', type: 'int', value: 1 }]);
  assert.deepEqual(graph.nodes[3].attributes, [{ name: 'value_floats', type: 'other', code: 6 }]);
  assert.deepEqual(graph.nodes[5].attributes, [{ name: 'axis', type: 'int', value: 1 }]);
  assert.deepEqual(graph.initializers, [
    { name: 'fc.weight', dims: [2, 3], dataType: DATA_TYPE.FLOAT, data: new Float32Array([0.5, -1.25, 2, 0, 3.5, -0.75]), external: false },
    { name: 'fc.bias', dims: [2], dataType: DATA_TYPE.FLOAT, data: new Float32Array([0.125, -0.5]), external: false },
    { name: 'shape', dims: [2], dataType: DATA_TYPE.INT64, data: null, external: false },
  ]);
  assert.deepEqual(graph.inputs, [{ name: 'x', elemType: DATA_TYPE.FLOAT, shape: ['N', 3] }]);
  assert.deepEqual(graph.outputs, [{ name: 'y', elemType: DATA_TYPE.FLOAT, shape: ['N', 2] }]);
});
