import { MemoryStorage } from '../../src/tune/storage/memory.js';
import { storageSuite } from './storage-suite.js';

storageSuite('memory', {
  open: async (options = {}) => new MemoryStorage(options),
  // One process's memory is the only place a memory study lives: a second "connection" is the same object.
  reopen: async (storage) => storage,
  cleanup: async () => {},
});
