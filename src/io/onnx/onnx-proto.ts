/**
 * The ONNX messages caviar writes and reads, as plain TypeScript objects,
 * with their encoding to and from the protobuf wire format. Only the fields
 * an inference graph of dense layers needs are modelled; the reader skips
 * any other field (a newer ONNX may add some) but checks the wire type of
 * every field it does read.
 *
 * @example
 *   const bytes = encodeModelProto({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], ... });
 *   decodeModelProto(bytes).graph.nodes[0].opType; // 'Gemm'
 */
import { int64, packedVarints, ProtoError, ProtoWriter, readFields, text, WIRE, type ProtoField } from './protobuf.js';

/**
 * Field numbers, from onnx/onnx.proto (https://github.com/onnx/onnx). These
 * never change once released, so a file written by any ONNX version reads
 * the same way. Only the fields caviar writes or reads are listed.
 */
export const FIELD = {
  ModelProto: {
    ir_version: 1, // int64
    producer_name: 2, // string
    producer_version: 3, // string
    domain: 4, // string
    model_version: 5, // int64
    doc_string: 6, // string
    graph: 7, // GraphProto
    opset_import: 8, // repeated OperatorSetIdProto
    metadata_props: 14, // repeated StringStringEntryProto
  },
  OperatorSetIdProto: { domain: 1, version: 2 }, // string, int64
  StringStringEntryProto: { key: 1, value: 2 }, // string, string
  GraphProto: {
    node: 1, // repeated NodeProto, in topological order
    name: 2, // string
    initializer: 5, // repeated TensorProto
    doc_string: 10, // string
    input: 11, // repeated ValueInfoProto
    output: 12, // repeated ValueInfoProto
  },
  NodeProto: {
    input: 1, // repeated string
    output: 2, // repeated string
    name: 3, // string
    op_type: 4, // string
    attribute: 5, // repeated AttributeProto
    doc_string: 6, // string
    domain: 7, // string
  },
  AttributeProto: {
    name: 1, // string
    f: 2, // float
    i: 3, // int64
    s: 4, // bytes (UTF-8)
    type: 20, // AttributeType enum: which of f, i, s, ... is set
  },
  TensorProto: {
    dims: 1, // repeated int64 (not packed in proto2, but readers accept both)
    data_type: 2, // int32, a DataType
    float_data: 4, // repeated float, packed
    name: 8, // string
    raw_data: 9, // bytes: little-endian, row-major
    doc_string: 12, // string
    data_location: 14, // enum: 0 DEFAULT (in this file), 1 EXTERNAL (another file)
  },
  ValueInfoProto: { name: 1, type: 2, doc_string: 3 }, // string, TypeProto, string
  TypeProto: { tensor_type: 1 }, // TypeProto.Tensor (other members of the oneof: sequence 4, map 5, ...)
  TypeProtoTensor: { elem_type: 1, shape: 2 }, // int32 DataType, TensorShapeProto
  TensorShapeProto: { dim: 1 }, // repeated Dimension
  Dimension: { dim_value: 1, dim_param: 2 }, // int64 | string (a named, dynamic dimension)
} as const;

/** AttributeProto.AttributeType. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataType, the element types. */
export const DATA_TYPE = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

const DATA_TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 16: 'BFLOAT16',
};

export function dataTypeName(code: number): string {
  return DATA_TYPE_NAMES[code] ?? `data type ${code}`;
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  metadataProps: { key: string; value: string }[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  /** '' is the default ONNX operator set. */
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export type OnnxAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'string'; value: string }
  /** Any other kind (tensor, graph, lists): read past, never written by caviar. */
  | { name: string; type: 'other'; code: number };

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** The values for FLOAT tensors stored in the file; null for other types or external data. */
  data: Float32Array | null;
  /** True when the values live in another file (data_location EXTERNAL). */
  external: boolean;
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of the elements; 0 when the value is not a tensor. */
  elemType: number;
  /** One entry per dimension: a size, a name (dynamic), or null (unknown); null when no shape is given. */
  shape: (number | string | null)[] | null;
}

// ---------------------------------------------------------------- writing

export function encodeModelProto(model: OnnxModel): Uint8Array {
  const F = FIELD.ModelProto;
  const w = new ProtoWriter();
  w.varint(F.ir_version, model.irVersion);
  w.string(F.producer_name, model.producerName);
  w.string(F.producer_version, model.producerVersion);
  if (model.docString) w.string(F.doc_string, model.docString);
  w.message(F.graph, encodeGraph(model.graph));
  for (const opset of model.opsetImport) {
    w.message(F.opset_import, new ProtoWriter().string(FIELD.OperatorSetIdProto.domain, opset.domain).varint(FIELD.OperatorSetIdProto.version, opset.version).finish());
  }
  for (const { key, value } of model.metadataProps) {
    w.message(F.metadata_props, new ProtoWriter().string(FIELD.StringStringEntryProto.key, key).string(FIELD.StringStringEntryProto.value, value).finish());
  }
  return w.finish();
}

function encodeGraph(graph: OnnxGraph): Uint8Array {
  const F = FIELD.GraphProto;
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(F.node, encodeNode(node));
  w.string(F.name, graph.name);
  for (const tensor of graph.initializers) w.message(F.initializer, encodeTensor(tensor));
  for (const input of graph.inputs) w.message(F.input, encodeValueInfo(input));
  for (const output of graph.outputs) w.message(F.output, encodeValueInfo(output));
  return w.finish();
}

function encodeNode(node: OnnxNode): Uint8Array {
  const F = FIELD.NodeProto;
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(F.input, input);
  for (const output of node.outputs) w.string(F.output, output);
  if (node.name) w.string(F.name, node.name);
  w.string(F.op_type, node.opType);
  for (const attribute of node.attributes) w.message(F.attribute, encodeAttribute(attribute));
  if (node.domain) w.string(F.domain, node.domain);
  return w.finish();
}

function encodeAttribute(attribute: OnnxAttribute): Uint8Array {
  const F = FIELD.AttributeProto;
  const w = new ProtoWriter().string(F.name, attribute.name);
  switch (attribute.type) {
    case 'float':
      return w.float(F.f, attribute.value).varint(F.type, ATTRIBUTE_TYPE.FLOAT).finish();
    case 'int':
      return w.varint(F.i, attribute.value).varint(F.type, ATTRIBUTE_TYPE.INT).finish();
    case 'string':
      return w.string(F.s, attribute.value).varint(F.type, ATTRIBUTE_TYPE.STRING).finish();
    case 'other':
      throw new TypeError(`ONNX attribute '${attribute.name}': caviar writes only float, int and string attributes`);
  }
}

function encodeTensor(tensor: OnnxTensor): Uint8Array {
  const F = FIELD.TensorProto;
  if (tensor.dataType !== DATA_TYPE.FLOAT || !tensor.data || tensor.external) {
    throw new TypeError(`ONNX tensor '${tensor.name}': caviar writes only float32 tensors held in the file`);
  }
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) {
    throw new RangeError(`ONNX tensor '${tensor.name}': dims [${tensor.dims.join(', ')}] hold ${count} values but ${tensor.data.length} were given`);
  }
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.varint(F.dims, d);
  w.varint(F.data_type, tensor.dataType);
  w.string(F.name, tensor.name);
  w.bytes(F.raw_data, littleEndianBytes(tensor.data));
  return w.finish();
}

function encodeValueInfo(info: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const d of info.shape ?? []) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varint(FIELD.Dimension.dim_value, d);
    else if (typeof d === 'string') dim.string(FIELD.Dimension.dim_param, d);
    shape.message(FIELD.TensorShapeProto.dim, dim.finish());
  }
  const tensorType = new ProtoWriter().varint(FIELD.TypeProtoTensor.elem_type, info.elemType);
  if (info.shape) tensorType.message(FIELD.TypeProtoTensor.shape, shape.finish());
  const type = new ProtoWriter().message(FIELD.TypeProto.tensor_type, tensorType.finish());
  return new ProtoWriter().string(FIELD.ValueInfoProto.name, info.name).message(FIELD.ValueInfoProto.type, type.finish()).finish();
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

// ---------------------------------------------------------------- reading

/**
 * Reads a ModelProto. Throws {@link ProtoError} (with the byte offset) when
 * the bytes are not a well-formed message of the expected shape.
 */
export function decodeModelProto(bytes: Uint8Array): OnnxModel & { hasIrVersion: boolean; hasGraph: boolean } {
  const F = FIELD.ModelProto;
  const model: OnnxModel & { hasIrVersion: boolean; hasGraph: boolean } = {
    irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', docString: '',
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [] }, metadataProps: [],
    hasIrVersion: false, hasGraph: false,
  };
  for (const f of readFields(bytes)) {
    switch (f.field) {
      case F.ir_version:
        model.irVersion = int64(varintOf(f, 'ModelProto.ir_version'), 'ModelProto.ir_version', f.offset);
        model.hasIrVersion = true;
        break;
      case F.producer_name:
        model.producerName = stringOf(f, 'ModelProto.producer_name');
        break;
      case F.producer_version:
        model.producerVersion = stringOf(f, 'ModelProto.producer_version');
        break;
      case F.doc_string:
        model.docString = stringOf(f, 'ModelProto.doc_string');
        break;
      case F.graph:
        model.graph = decodeGraph(bytesOf(f, 'ModelProto.graph'), f.offset);
        model.hasGraph = true;
        break;
      case F.opset_import: {
        const opset = { domain: '', version: 0 };
        for (const g of readFields(bytesOf(f, 'ModelProto.opset_import'), f.offset)) {
          if (g.field === FIELD.OperatorSetIdProto.domain) opset.domain = stringOf(g, 'OperatorSetIdProto.domain');
          else if (g.field === FIELD.OperatorSetIdProto.version) opset.version = int64(varintOf(g, 'OperatorSetIdProto.version'), 'opset version', g.offset);
        }
        model.opsetImport.push(opset);
        break;
      }
      case F.metadata_props: {
        const entry = { key: '', value: '' };
        for (const g of readFields(bytesOf(f, 'ModelProto.metadata_props'), f.offset)) {
          if (g.field === FIELD.StringStringEntryProto.key) entry.key = stringOf(g, 'metadata key');
          else if (g.field === FIELD.StringStringEntryProto.value) entry.value = stringOf(g, 'metadata value');
        }
        model.metadataProps.push(entry);
        break;
      }
      default:
        break; // a field caviar does not use (training info, functions, ...)
    }
  }
  return model;
}

function decodeGraph(bytes: Uint8Array, base: number): OnnxGraph {
  const F = FIELD.GraphProto;
  const graph: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  for (const f of readFields(bytes, base)) {
    switch (f.field) {
      case F.node:
        graph.nodes.push(decodeNode(bytesOf(f, 'GraphProto.node'), f.offset));
        break;
      case F.name:
        graph.name = stringOf(f, 'GraphProto.name');
        break;
      case F.initializer:
        graph.initializers.push(decodeTensor(bytesOf(f, 'GraphProto.initializer'), f.offset));
        break;
      case F.input:
        graph.inputs.push(decodeValueInfo(bytesOf(f, 'GraphProto.input'), f.offset));
        break;
      case F.output:
        graph.outputs.push(decodeValueInfo(bytesOf(f, 'GraphProto.output'), f.offset));
        break;
      default:
        break;
    }
  }
  return graph;
}

function decodeNode(bytes: Uint8Array, base: number): OnnxNode {
  const F = FIELD.NodeProto;
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  for (const f of readFields(bytes, base)) {
    switch (f.field) {
      case F.input:
        node.inputs.push(stringOf(f, 'NodeProto.input'));
        break;
      case F.output:
        node.outputs.push(stringOf(f, 'NodeProto.output'));
        break;
      case F.name:
        node.name = stringOf(f, 'NodeProto.name');
        break;
      case F.op_type:
        node.opType = stringOf(f, 'NodeProto.op_type');
        break;
      case F.domain:
        node.domain = stringOf(f, 'NodeProto.domain');
        break;
      case F.attribute:
        node.attributes.push(decodeAttribute(bytesOf(f, 'NodeProto.attribute'), f.offset));
        break;
      default:
        break;
    }
  }
  return node;
}

function decodeAttribute(bytes: Uint8Array, base: number): OnnxAttribute {
  const F = FIELD.AttributeProto;
  let name = '';
  let type = 0;
  let f32: number | undefined;
  let i64: number | undefined;
  let s: string | undefined;
  for (const f of readFields(bytes, base)) {
    if (f.field === F.name) name = stringOf(f, 'AttributeProto.name');
    else if (f.field === F.type) type = int64(varintOf(f, 'AttributeProto.type'), 'AttributeProto.type', f.offset);
    else if (f.field === F.f) f32 = fixed32Of(f, 'AttributeProto.f').getFloat32(0, true);
    else if (f.field === F.i) i64 = int64(varintOf(f, 'AttributeProto.i'), 'AttributeProto.i', f.offset);
    else if (f.field === F.s) s = stringOf(f, 'AttributeProto.s');
  }
  // The type field says which value is meant; a missing value is the field's default.
  if (type === ATTRIBUTE_TYPE.FLOAT) return { name, type: 'float', value: f32 ?? 0 };
  if (type === ATTRIBUTE_TYPE.INT) return { name, type: 'int', value: i64 ?? 0 };
  if (type === ATTRIBUTE_TYPE.STRING) return { name, type: 'string', value: s ?? '' };
  return { name, type: 'other', code: type };
}

function decodeTensor(bytes: Uint8Array, base: number): OnnxTensor {
  const F = FIELD.TensorProto;
  const tensor: OnnxTensor = { name: '', dims: [], dataType: 0, data: null, external: false };
  let raw: { bytes: Uint8Array; offset: number } | null = null;
  const floats: number[] = [];
  let end = base;
  for (const f of readFields(bytes, base)) {
    end = f.offset;
    switch (f.field) {
      case F.dims:
        if (f.wire === WIRE.LENGTH_DELIMITED) for (const d of packedVarints(f.value, f.offset)) tensor.dims.push(int64(d, 'TensorProto.dims', f.offset));
        else tensor.dims.push(int64(varintOf(f, 'TensorProto.dims'), 'TensorProto.dims', f.offset));
        break;
      case F.data_type:
        tensor.dataType = int64(varintOf(f, 'TensorProto.data_type'), 'TensorProto.data_type', f.offset);
        break;
      case F.name:
        tensor.name = stringOf(f, 'TensorProto.name');
        break;
      case F.raw_data:
        raw = { bytes: bytesOf(f, 'TensorProto.raw_data'), offset: f.offset };
        break;
      case F.float_data:
        if (f.wire === WIRE.LENGTH_DELIMITED) {
          if (f.value.length % 4 !== 0) throw new ProtoError('TensorProto.float_data: a packed list of floats whose length is not a multiple of 4', f.offset);
          const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
          for (let k = 0; k < f.value.length; k += 4) floats.push(view.getFloat32(k, true));
        } else floats.push(fixed32Of(f, 'TensorProto.float_data').getFloat32(0, true));
        break;
      case F.data_location:
        tensor.external = int64(varintOf(f, 'TensorProto.data_location'), 'TensorProto.data_location', f.offset) === 1;
        break;
      default:
        break;
    }
  }
  if (tensor.dataType === DATA_TYPE.FLOAT && !tensor.external) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (raw) {
      if (raw.bytes.length !== count * 4) {
        throw new ProtoError(`tensor '${tensor.name}': dims [${tensor.dims.join(', ')}] need ${count * 4} bytes of float32 but raw_data has ${raw.bytes.length}`, raw.offset);
      }
      const data = new Float32Array(count);
      const view = new DataView(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
      for (let k = 0; k < count; k++) data[k] = view.getFloat32(k * 4, true);
      tensor.data = data;
    } else {
      if (floats.length !== count) {
        throw new ProtoError(`tensor '${tensor.name}': dims [${tensor.dims.join(', ')}] need ${count} floats but float_data has ${floats.length}`, end);
      }
      tensor.data = Float32Array.from(floats);
    }
  }
  return tensor;
}

function decodeValueInfo(bytes: Uint8Array, base: number): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: 0, shape: null };
  for (const f of readFields(bytes, base)) {
    if (f.field === FIELD.ValueInfoProto.name) info.name = stringOf(f, 'ValueInfoProto.name');
    else if (f.field === FIELD.ValueInfoProto.type) {
      for (const t of readFields(bytesOf(f, 'ValueInfoProto.type'), f.offset)) {
        if (t.field !== FIELD.TypeProto.tensor_type) continue;
        for (const g of readFields(bytesOf(t, 'TypeProto.tensor_type'), t.offset)) {
          if (g.field === FIELD.TypeProtoTensor.elem_type) info.elemType = int64(varintOf(g, 'elem_type'), 'elem_type', g.offset);
          else if (g.field === FIELD.TypeProtoTensor.shape) {
            info.shape = [];
            for (const d of readFields(bytesOf(g, 'TypeProto.Tensor.shape'), g.offset)) {
              if (d.field !== FIELD.TensorShapeProto.dim) continue;
              let dim: number | string | null = null;
              for (const v of readFields(bytesOf(d, 'TensorShapeProto.dim'), d.offset)) {
                if (v.field === FIELD.Dimension.dim_value) dim = int64(varintOf(v, 'dim_value'), 'dim_value', v.offset);
                else if (v.field === FIELD.Dimension.dim_param) dim = stringOf(v, 'dim_param');
              }
              info.shape.push(dim);
            }
          }
        }
      }
    }
  }
  return info;
}

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

function wrongWire(f: ProtoField, what: string, expected: number): never {
  throw new ProtoError(`${what} (field ${f.field}) is ${WIRE_NAMES[f.wire]}, expected ${WIRE_NAMES[expected]}`, f.offset);
}

function varintOf(f: ProtoField, what: string): bigint {
  return f.wire === WIRE.VARINT ? f.value : wrongWire(f, what, WIRE.VARINT);
}

function bytesOf(f: ProtoField, what: string): Uint8Array {
  return f.wire === WIRE.LENGTH_DELIMITED ? f.value : wrongWire(f, what, WIRE.LENGTH_DELIMITED);
}

function fixed32Of(f: ProtoField, what: string): DataView {
  return f.wire === WIRE.FIXED32 ? f.value : wrongWire(f, what, WIRE.FIXED32);
}

function stringOf(f: ProtoField, what: string): string {
  return text(bytesOf(f, what), what, f.offset);
}
