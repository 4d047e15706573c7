#!/usr/bin/env node
'use strict';
// Writes the Windows binaries' source of Node-API (CMakeLists.txt runs it for
// MinGW-style toolchains such as Zig's):
//
//   node scripts/node-api-host.js OUTPUT.cc
//
// The C++ file defines the import slots (`__imp_napi_*`) that the shim's
// dllimport calls go through and fills them from the host executable when
// the DLL is attached. Linking against node.exe's import library instead
// would bind the DLL to a file named NODE.EXE, so it would not load in
// Electron, a single-executable application or a renamed node.exe; MSVC
// builds solve that with /DELAYLOAD and a hook (cmake-js's), which Zig's
// MinGW linker does not offer. A function the host lacks is bound to a stub
// that says so and aborts, rather than to a null pointer.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** Every napi_* / node_api_* function of Node-API 8, from node-api-headers. */
function nodeApiFunctions() {
  const { symbols } = require(require.resolve('node-api-headers', { paths: [root] }));
  return [...symbols.v8.js_native_api_symbols, ...symbols.v8.node_api_symbols].sort();
}

function hostNodeApiSource(names = nodeApiFunctions()) {
  return [
    '// Written by scripts/node-api-host.js; see there for why.',
    '#define WIN32_LEAN_AND_MEAN',
    '#include <windows.h>',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '',
    'extern "C" {',
    'static void node_api_missing(void) {',
    '  fputs("engram-arena: the host process does not export a Node-API function that the addon called\\n", stderr);',
    '  abort();',
    '}',
    '',
    ...names.map((name) => `void *__imp_${name} = (void *)&node_api_missing;`),
    '',
    'static const struct { const char *name; void **slot; } node_api_slots[] = {',
    ...names.map((name) => `  {"${name}", &__imp_${name}},`),
    '};',
    '',
    'BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {',
    '  (void)instance;',
    '  (void)reserved;',
    '  if (reason != DLL_PROCESS_ATTACH) return TRUE;',
    '  // The executable that loads the addon exports Node-API, whatever its name.',
    '  HMODULE host = GetModuleHandleW(NULL);',
    '  for (size_t i = 0; i < sizeof node_api_slots / sizeof node_api_slots[0]; i++) {',
    '    FARPROC found = GetProcAddress(host, node_api_slots[i].name);',
    '    if (found) *node_api_slots[i].slot = (void *)found;',
    '  }',
    '  return TRUE;',
    '}',
    '}',
    '',
  ].join('\n');
}

/** Writes `file` only when its text changes, so that make does not recompile it for nothing. */
function writeIfChanged(file, text) {
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

module.exports = { nodeApiFunctions, hostNodeApiSource };

if (require.main === module) {
  const [output] = process.argv.slice(2);
  if (!output) {
    console.error('usage: node scripts/node-api-host.js OUTPUT.cc');
    process.exit(2);
  }
  writeIfChanged(path.resolve(output), hostNodeApiSource());
}
