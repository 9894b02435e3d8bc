// The ES module entry (package.json's `import` condition): the CommonJS build's exports, named and
// as the default, so both kinds of import share one instance of the addon.
export * from './index.js';
import * as torch from './index.js';
export default torch;
