// A snapshot's data, read from the page itself: the header (JSON) and the arrays, which the writer
// (helios_app/io/snapshot.py, whose docstring gives the layout) compressed with gzip and wrote as base64.
// The browser inflates them with its own DecompressionStream: nothing is fetched.

export const SNAPSHOT_VERSION = 1;

const TYPED_ARRAYS = {
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array,
  float32: Float32Array, float64: Float64Array,
};

function base64Bytes(text) {
  const binary = atob(text.trim());
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

// {header, arrays: {name: typed array}, strings: {ids, labels, attributes, edge_attributes}, positions}
export async function readSnapshot(root = document) {
  const headerElement = root.getElementById("helios-snapshot-header");
  const dataElement = root.getElementById("helios-snapshot-data");
  if (!headerElement || !dataElement) throw new Error("this page holds no Helios snapshot data");
  const header = JSON.parse(headerElement.textContent);
  if (header.format !== "helios-snapshot" || header.version !== SNAPSHOT_VERSION) {
    throw new Error(`this file holds a ${header.format} of version ${header.version}; this page reads version ` +
                    `${SNAPSHOT_VERSION}: write it again with this Helios`);
  }
  const buffer = await inflate(base64Bytes(dataElement.textContent));
  const arrays = {};
  for (const [name, spec] of Object.entries(header.arrays)) {
    const Type = TYPED_ARRAYS[spec.dtype];
    if (!Type) throw new Error(`snapshot array ${name}: unknown type ${spec.dtype}`);
    const length = spec.shape.reduce((product, size) => product * size, 1);
    if (spec.offset + length * Type.BYTES_PER_ELEMENT > buffer.byteLength) {
      throw new Error(`snapshot array ${name} runs past the data (${buffer.byteLength} bytes): the file is cut short`);
    }
    arrays[name] = new Type(buffer, spec.offset, length);
  }
  const strings = JSON.parse(new TextDecoder().decode(arrays.strings));
  // Positions back from 16-bit steps to view units (within 1/131070 of the extent on each axis).
  const quantised = arrays.positions, positions = new Float32Array(quantised.length);
  const low = header.position_low, high = header.position_high;
  for (let axis = 0; axis < 3; axis++) {
    const step = (high[axis] - low[axis]) / 65535;
    for (let index = axis; index < quantised.length; index += 3) positions[index] = low[axis] + quantised[index] * step;
  }
  return {header, arrays, strings, positions};
}
