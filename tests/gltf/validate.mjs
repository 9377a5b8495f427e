// Runs the Khronos glTF validator (npm `gltf-validator`) over every .glb, and the glb inside
// every .b3dm, under a folder; exits 1 on any error (warnings are printed, and allowed).
//
//   npm ci --prefix tests/gltf
//   node tests/gltf/validate.mjs target/demo-tileset-test
//
// A b3dm is a 28-byte header (magic, version, byteLength, then the byte lengths of the
// feature table JSON and binary and of the batch table JSON and binary), the tables, then
// the glb (3D Tiles 1.0, "Batched 3D Model"); the header is checked against the file.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

let validator;
try {
  validator = await import('gltf-validator');
} catch {
  console.error('gltf-validator is not installed: run `npm ci --prefix tests/gltf` first');
  process.exit(2);
}

const dir = process.argv[2];
if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
  console.error('usage: node tests/gltf/validate.mjs FOLDER');
  process.exit(2);
}

function* walk(folder) {
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      yield* walk(path);
    } else if (name.endsWith('.glb') || name.endsWith('.b3dm')) {
      yield path;
    }
  }
}

// The glb of a b3dm, or a string saying what is wrong with its header.
function b3dmGlb(bytes) {
  if (bytes.length < 28) return 'shorter than a b3dm header';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  const [version, byteLength, ftJson, ftBin, btJson, btBin] = [4, 8, 12, 16, 20, 24].map((at) =>
    view.getUint32(at, true),
  );
  if (magic !== 'b3dm') return `magic is ${JSON.stringify(magic)}, not "b3dm"`;
  if (version !== 1) return `version ${version}, not 1`;
  if (byteLength !== bytes.length) return `byteLength ${byteLength} but the file has ${bytes.length} bytes`;
  const start = 28 + ftJson + ftBin + btJson + btBin;
  if (start > bytes.length) return `tables end at ${start}, after the end of the file`;
  if (start % 8 !== 0) return `the glb starts at ${start}, not on an 8-byte boundary`;
  return bytes.subarray(start);
}

const totals = { files: 0, errors: 0, warnings: 0, infos: 0, hints: 0 };
const codes = new Map();
for (const path of walk(dir)) {
  const name = relative(dir, path);
  const bytes = new Uint8Array(readFileSync(path));
  const glb = path.endsWith('.b3dm') ? b3dmGlb(bytes) : bytes;
  totals.files += 1;
  if (typeof glb === 'string') {
    console.log(`${name}: error: ${glb}`);
    totals.errors += 1;
    continue;
  }
  let report;
  try {
    report = await validator.validateBytes(glb, { uri: name, format: 'glb', maxIssues: 0, writeTimestamp: false });
  } catch (e) {
    console.log(`${name}: error: the validator could not read it: ${e}`);
    totals.errors += 1;
    continue;
  }
  const { numErrors, numWarnings, numInfos, numHints, messages } = report.issues;
  totals.errors += numErrors;
  totals.warnings += numWarnings;
  totals.infos += numInfos;
  totals.hints += numHints;
  for (const m of messages) {
    const severity = ['error', 'warning', 'info', 'hint'][m.severity];
    codes.set(`${severity} ${m.code}`, (codes.get(`${severity} ${m.code}`) ?? 0) + 1);
    if (m.severity <= 1) console.log(`${name}: ${severity} ${m.code} at ${m.pointer ?? m.offset}: ${m.message}`);
  }
}

if (totals.files === 0) {
  console.error(`no .glb or .b3dm under ${dir}`);
  process.exit(2);
}
console.log(
  `gltf-validator ${validator.version()}: ${totals.files} files, ${totals.errors} errors, ` +
    `${totals.warnings} warnings, ${totals.infos} infos, ${totals.hints} hints`,
);
for (const [code, n] of [...codes].sort()) console.log(`  ${code}: ${n}`);
process.exit(totals.errors > 0 ? 1 : 0);
