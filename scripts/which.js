'use strict';
// Finds an executable on PATH, for the scripts that look for build tools.
const fs = require('node:fs');
const path = require('node:path');

/** The first of `names` that is an executable file in a PATH directory, or null. */
function findOnPath(names) {
  for (const name of names) {
    for (const dir of (process.env.PATH || '').split(path.delimiter)) {
      if (!dir) continue;
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {}
    }
  }
  return null;
}

module.exports = { findOnPath };
