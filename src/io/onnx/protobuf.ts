/**
 * The protocol-buffers wire format, as much of it as ONNX files use: enough to
 * write and read `ModelProto` without a protobuf library.
 *
 * A message is a sequence of fields; each starts with a varint key
 * `(field number << 3) | wire type`:
 *
 *   wire type 0  varint        int32, int64, enums (7 bits a byte, low first)
 *   wire type 1  64-bit        double, fixed64 (little-endian)
 *   wire type 2  length-delimited: a varint length, then that many bytes
 *                (strings, bytes, nested messages, packed repeated numbers)
 *   wire type 5  32-bit        float, fixed32 (little-endian)
 *
 * Wire types 3 and 4 (groups) are deprecated and never appear in ONNX; the
 * reader refuses them.
 *
 * @example
 *   const w = new ProtoWriter();
 *   w.string(1, 'caviar');
 *   w.varint(2, 13);
 *   const fields = readFields(w.finish(), 'example'); // [{ field: 1, wire: 2, ... }, { field: 2, wire: 0, ... }]
 */

export const WIRE = { VARINT: 0, FIXED64: 1, LENGTH_DELIMITED: 2, FIXED32: 5 } as const;

/** Bytes that are not a well-formed protobuf message; `offset` is where reading stopped. */
export class ProtoError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(`${problem} (at byte ${offset})`);
    this.name = 'ProtoError';
  }
}

const utf8 = new TextEncoder();

/** Appends fields to a growing buffer. Nested messages are written by `message(field, bytes)`. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  /** A varint field (int32, int64, bool, enum). Negative values take ten bytes, as in protobuf's int64. */
  varint(field: number, value: number): this {
    this.key(field, WIRE.VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A float field (32-bit little-endian). */
  float(field: number, value: number): this {
    this.key(field, WIRE.FIXED32);
    this.reserve(4);
    new DataView(this.buffer.buffer).setFloat32(this.length, value, true);
    this.length += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE.LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message, already encoded. */
  message(field: number, encoded: Uint8Array): this {
    return this.bytes(field, encoded);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not an integer that a varint can hold exactly`);
    this.reserve(10);
    // Two's complement in 64 bits for negatives: BigInt keeps every bit.
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buffer[this.length++] = byte;
    } while (v !== 0n);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

/**
 * One field as read: a number for varint and fixed types, the bytes for
 * length-delimited ones. `offset` is where the field starts in the file, or,
 * for length-delimited fields, where its content starts (the base for reading
 * a nested message).
 */
export type ProtoField =
  | { readonly field: number; readonly wire: 0; readonly value: bigint; readonly offset: number }
  | { readonly field: number; readonly wire: 1; readonly value: DataView; readonly offset: number }
  | { readonly field: number; readonly wire: 2; readonly value: Uint8Array; readonly offset: number }
  | { readonly field: number; readonly wire: 5; readonly value: DataView; readonly offset: number };

/**
 * Splits a message into its fields, in order. Offsets in errors count from
 * `base` (the position of `bytes` in the whole file), so a problem deep in a
 * nested message still points at the right byte of the file.
 */
export function readFields(bytes: Uint8Array, base = 0): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= bytes.length) throw new ProtoError('the data ends inside a varint (truncated?)', base + at);
      const byte = bytes[at++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtoError('a varint longer than 10 bytes', base + at);
  };
  while (at < bytes.length) {
    const start = at;
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new ProtoError('field number 0, which no protobuf message has', base + start);
    const need = (n: number, what: string) => {
      if (at + n > bytes.length) {
        throw new ProtoError(`field ${field} needs ${n} bytes of ${what} but only ${bytes.length - at} remain (truncated?)`, base + start);
      }
    };
    switch (wire) {
      case WIRE.VARINT:
        fields.push({ field, wire, value: varint(), offset: base + start });
        break;
      case WIRE.FIXED64:
        need(8, '64-bit value');
        fields.push({ field, wire, value: new DataView(view.buffer, view.byteOffset + at, 8), offset: base + start });
        at += 8;
        break;
      case WIRE.LENGTH_DELIMITED: {
        const length = varint();
        if (length > BigInt(bytes.length - at)) {
          throw new ProtoError(`field ${field} says ${length} bytes follow but only ${bytes.length - at} remain (truncated?)`, base + start);
        }
        const n = Number(length);
        fields.push({ field, wire, value: bytes.subarray(at, at + n), offset: base + at });
        at += n;
        break;
      }
      case WIRE.FIXED32:
        need(4, '32-bit value');
        fields.push({ field, wire, value: new DataView(view.buffer, view.byteOffset + at, 4), offset: base + start });
        at += 4;
        break;
      default:
        throw new ProtoError(`field ${field} has wire type ${wire}, which is not one protobuf messages use here`, base + start);
    }
  }
  return fields;
}

/** Reads a varint value as a signed 64-bit integer, refusing what a JS number cannot hold exactly. */
export function int64(value: bigint, what: string, offset: number): number {
  const signed = BigInt.asIntN(64, value);
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ProtoError(`${what} is ${signed}, too large to use`, offset);
  }
  return Number(signed);
}

/** Packed repeated varints (a length-delimited field holding varints back to back). */
export function packedVarints(bytes: Uint8Array, base: number): bigint[] {
  const out: bigint[] = [];
  let at = 0;
  while (at < bytes.length) {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new ProtoError('a packed list ends inside a varint', base + at);
      if (shift >= 70n) throw new ProtoError('a varint longer than 10 bytes', base + at);
      const byte = bytes[at++];
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if ((byte & 0x80) === 0) break;
    }
    out.push(BigInt.asUintN(64, result));
  }
  return out;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A string field's bytes as text; protobuf strings must be valid UTF-8. */
export function text(bytes: Uint8Array, what: string, offset: number): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new ProtoError(`${what} is not valid UTF-8`, offset);
  }
}
