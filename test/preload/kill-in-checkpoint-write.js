// Preloaded (node --require) into a CLI run by test/cli-crash.test.ts: the run kills itself with
// SIGKILL halfway through writing the temporary file of its KILL_IN_CHECKPOINT_WRITE-th checkpoint
// write. A kill from outside cannot aim inside a write reliably: on a fast machine the whole
// write and rename take less time than a file-watch event takes to arrive.
const fs = require('fs');
const path = require('path');

const nth = Number(process.env.KILL_IN_CHECKPOINT_WRITE);
const CHECKPOINT_TEMP = /^\.checkpoint\.pt\.\d+\..*\.tmp$/;
const { openSync, writeFileSync } = fs;
let checkpointWrites = 0;
let doomed = null;

fs.openSync = function (file, ...rest) {
  const fd = openSync.call(this, file, ...rest);
  if (typeof file === 'string' && CHECKPOINT_TEMP.test(path.basename(file)) && ++checkpointWrites === nth) doomed = fd;
  return fd;
};

fs.writeFileSync = function (target, data, ...rest) {
  if (target === doomed && typeof data !== 'string') {
    fs.writeSync(target, data, 0, Math.floor(data.length / 2));
    process.kill(process.pid, 'SIGKILL');
  }
  return writeFileSync.call(this, target, data, ...rest);
};
