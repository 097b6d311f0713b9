// Runs one ONNX model in onnxruntime-node (CPU) so Distill's tests can check an export against a second runtime.
//
//   node run.mjs job.json result.json
//
// job.json:    { "model": "model.onnx",                        (absolute, or relative to job.json's folder)
//                "inputs": { "x": { "dtype": "float32" | "int64", "dims": [2, 3], "data": [ ...flat, row-major ] } },
//                "outputs": [ "y" ] }                           (optional; default: every output of the model)
// result.json: { "outputs": { "y": { "dtype": "float32", "dims": [2, 4], "data": [ ... ] } } }
//
// Any failure prints one line, "ort-node: <what went wrong>", to stderr and exits with status 1.
//
// Number encoding, in both files: JSON has no NaN or infinities, so float data may hold the strings "NaN",
// "Infinity" and "-Infinity". int64 data may be JSON numbers (safe integers only) or decimal strings; int64 outputs
// are always written as strings, because a double cannot hold every int64.

import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

class JobError extends Error {}

const fail = (message) => {
  throw new JobError(message);
};

// Only what Distill's models take: float features/logits and int64 token ids and masks.
const INPUT_DTYPES = {
  float32: { Array: Float32Array, parse: parseFloatValue },
  int64: { Array: BigInt64Array, parse: parseInt64Value },
};

function parseFloatValue(value, where) {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return fail(`${where}: ${JSON.stringify(value)} is not a float32 value`);
}

function parseInt64Value(value, where) {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) fail(`${where}: ${value} is not an integer`);
    // A JSON number past 2^53 has already been rounded by the parser; refuse it rather than run on a different id.
    if (!Number.isSafeInteger(value)) fail(`${where}: ${value} is past 2^53, where a JSON number is not exact; pass it as a string`);
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    const big = BigInt(value.trim());
    if (big < -(2n ** 63n) || big >= 2n ** 63n) fail(`${where}: ${value} is out of int64 range`);
    return big;
  }
  return fail(`${where}: ${JSON.stringify(value)} is not an int64 value`);
}

function toTensor(ort, name, spec, declared) {
  const where = `input '${name}'`;
  if (spec === null || typeof spec !== 'object') fail(`${where}: expected an object with dtype, dims and data`);
  const dtype = INPUT_DTYPES[spec.dtype];
  if (!dtype) {
    fail(`${where}: dtype ${JSON.stringify(spec.dtype)} is not supported (use ${Object.keys(INPUT_DTYPES).join(' or ')})`);
  }
  if (declared?.isTensor && declared.type !== spec.dtype) {
    fail(`${where}: the job gives ${spec.dtype} but the model declares ${declared.type}`);
  }
  if (!Array.isArray(spec.dims) || !spec.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${where}: dims must be an array of non-negative integers, got ${JSON.stringify(spec.dims)}`);
  }
  if (!Array.isArray(spec.data)) fail(`${where}: data must be a flat array`);
  const count = spec.dims.reduce((a, b) => a * b, 1);
  if (spec.data.length !== count) {
    fail(`${where}: dims [${spec.dims.join(', ')}] hold ${count} values but data has ${spec.data.length}`);
  }
  const values = new dtype.Array(count);
  spec.data.forEach((v, i) => {
    values[i] = dtype.parse(v, `${where}[${i}]`);
  });
  return new ort.Tensor(spec.dtype, values, spec.dims);
}

function encodeFloat(v) {
  return Number.isFinite(v) ? v : String(v);
}

function fromTensor(name, value) {
  if (!value || typeof value !== 'object' || !('dims' in value) || !('data' in value)) {
    fail(`output '${name}' is not a tensor; only tensor outputs are supported`);
  }
  const { type, dims, data } = value;
  let flat;
  if (type === 'int64' || type === 'uint64') flat = Array.from(data, (v) => v.toString());
  else if (type === 'string') flat = Array.from(data);
  else if (type === 'bool') flat = Array.from(data, (v) => v !== 0);
  else if (type === 'float16') fail(`output '${name}' is float16, which this script does not decode`);
  else flat = Array.from(data, encodeFloat);
  return { dtype: type, dims: Array.from(dims), data: flat };
}

async function main(argv) {
  if (argv.length !== 2) fail('usage: node run.mjs <job.json> <result.json>');
  const [jobPath, resultPath] = argv;

  let job;
  try {
    job = JSON.parse(await readFile(jobPath, 'utf8'));
  } catch (e) {
    fail(`cannot read job file '${jobPath}': ${e.message}`);
  }
  if (!job || typeof job.model !== 'string') fail(`job file '${jobPath}' has no "model" path`);
  const modelPath = path.resolve(path.dirname(jobPath), job.model);
  if (!existsSync(modelPath)) fail(`model not found: ${modelPath}`);
  const inputs = job.inputs ?? {};
  if (typeof inputs !== 'object' || Array.isArray(inputs)) fail('"inputs" must be an object keyed by input name');

  // Imported here, not at the top, so that a missing package is reported on the same one line as other failures.
  let ort;
  try {
    ort = await import('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node (run 'npm ci --ignore-scripts' in ${path.dirname(fileURLToPath(import.meta.url))}): ${e.message}`);
  }

  // ORT logs each failure on stderr (in color) as well as throwing it; only the thrown message is reported, so that
  // the caller gets one line.
  ort.env.logLevel = 'fatal';
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], logSeverityLevel: 4 });
  } catch (e) {
    fail(`cannot load model ${modelPath}: ${e.message}`);
  }

  const declared = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const feeds = {};
  for (const [name, spec] of Object.entries(inputs)) {
    if (!declared.has(name)) {
      fail(`the model has no input '${name}' (its inputs: ${session.inputNames.join(', ') || 'none'})`);
    }
    feeds[name] = toTensor(ort, name, spec, declared.get(name));
  }
  const missing = session.inputNames.filter((n) => !(n in feeds));
  if (missing.length > 0) fail(`the job gives no value for model input(s): ${missing.join(', ')}`);

  let wanted = session.outputNames;
  if (job.outputs !== undefined && job.outputs !== null) {
    if (!Array.isArray(job.outputs) || !job.outputs.every((n) => typeof n === 'string')) {
      fail('"outputs" must be an array of output names');
    }
    const unknown = job.outputs.filter((n) => !session.outputNames.includes(n));
    if (unknown.length > 0) {
      fail(`the model has no output(s) ${unknown.map((n) => `'${n}'`).join(', ')} (its outputs: ${session.outputNames.join(', ')})`);
    }
    wanted = job.outputs;
  }

  let results;
  try {
    results = await session.run(feeds, wanted, { logSeverityLevel: 4 });
  } catch (e) {
    fail(`run failed: ${e.message}`);
  }

  const outputs = {};
  for (const name of wanted) outputs[name] = fromTensor(name, results[name]);
  await session.release();
  try {
    await writeFile(resultPath, JSON.stringify({ outputs }));
  } catch (e) {
    fail(`cannot write result file '${resultPath}': ${e.message}`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  const message = e instanceof JobError ? e.message : `unexpected error: ${e?.message ?? e}`;
  // One line, so a caller can put it in an exception message as it is.
  process.stderr.write(`ort-node: ${String(message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}
