/**
 * The storages the dashboard shows, and a mirror of each study in them. With
 * `--storage URL` that is one storage; without, it is every
 * `caviar-out/<experiment>/study.db` (where `caviar tune` writes), rescanned
 * every few seconds so a study started after the dashboard shows up too.
 *
 * Studies and trials are addressed by `"<store>-<id>"`; a store's number
 * never changes while the dashboard runs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openStorage } from '../../tune/storage/open.js';
import type { Storage } from '../../tune/storage/storage.js';
import type { FrozenTrial } from '../../tune/types.js';
import { redactUrl } from '../../util/redact.js';
import { HttpError } from './http.js';
import { StudyMirror } from './mirror.js';

export interface Store {
  readonly index: number;
  /** Where it is, as shown on the page and in errors: a URL's password hidden. */
  readonly location: string;
  readonly storage: Storage;
  /** Whether the dashboard opened it (and so closes it). */
  readonly owned: boolean;
}

/** Where studies come from: storages already open, a storage URL, or (undefined) the caviar-out/ folder. */
export type StoreSource = readonly Storage[] | string | undefined;

const RESCAN_MS = 2000;

export class StoreSet {
  private readonly stores: Store[] = [];
  private readonly mirrors = new Map<string, StudyMirror>();
  private lastScan = 0;
  private scanning: Promise<void> | undefined;
  /** The study files a scan already opened: a rescan opens only new ones (opening reads a whole file through). */
  private readonly scanned = new Set<string>();

  private constructor(
    private readonly folder: string | undefined,
  ) {}

  /**
   * @example
   *   const set = await StoreSet.open(undefined);              // every caviar-out/<name>/study.db
   *   const one = await StoreSet.open('sqlite:/tmp/study.db');
   */
  static async open(source: StoreSource, folder = 'caviar-out'): Promise<StoreSet> {
    if (typeof source === 'string') {
      const set = new StoreSet(undefined);
      // The dashboard only reads and steers: a mistyped path or schema is an error, never a new empty storage.
      const { storage, owned } = await openStorage(source, { mustExist: true });
      set.stores.push({ index: 0, location: redactUrl(storage.location), storage, owned });
      return set;
    }
    if (source !== undefined) {
      const set = new StoreSet(undefined);
      source.forEach((storage, index) => set.stores.push({ index, location: redactUrl(storage.location), storage, owned: false }));
      return set;
    }
    const set = new StoreSet(folder);
    await set.scan();
    return set;
  }

  /** Every store, after a rescan of the folder when the last one is older than a few seconds. */
  async list(): Promise<readonly Store[]> {
    if (this.folder !== undefined && Date.now() - this.lastScan > RESCAN_MS) await this.scan();
    return this.stores;
  }

  private scan(): Promise<void> {
    this.scanning ??= this.scanFolder().finally(() => {
      this.scanning = undefined;
      this.lastScan = Date.now();
    });
    return this.scanning;
  }

  private async scanFolder(): Promise<void> {
    const root = this.folder!;
    if (!existsSync(root)) return;
    for (const name of readdirSync(root).sort()) {
      const file = join(root, name, 'study.db');
      if (this.scanned.has(file) || !existsSync(file)) continue;
      try {
        const { storage } = await openStorage(file, { mustExist: true });
        this.scanned.add(file);
        this.stores.push({ index: this.stores.length, location: storage.location, storage, owned: true });
      } catch {
        // A file being created right now, or not a study file: the next scan tries again.
      }
    }
  }

  /** Mirrors of every study of every store, current. */
  async studies(): Promise<StudyMirror[]> {
    const out: StudyMirror[] = [];
    for (const store of await this.list()) out.push(...(await this.studiesOf(store)));
    await Promise.all(out.map((m) => m.refresh()));
    return out;
  }

  private async studiesOf(store: Store): Promise<StudyMirror[]> {
    const records = await store.storage.listStudies();
    const live = new Set<string>();
    const out = records.map((record) => {
      const key = `${store.index}-${record.id}`;
      live.add(key);
      let mirror = this.mirrors.get(key);
      if (!mirror || mirror.record.name !== record.name) {
        mirror = new StudyMirror(store.storage, store.index, record);
        this.mirrors.set(key, mirror);
      }
      return mirror;
    });
    // A study deleted from its storage leaves the dashboard too.
    for (const key of this.mirrors.keys()) if (key.startsWith(`${store.index}-`) && !live.has(key)) this.mirrors.delete(key);
    return out;
  }

  store(index: number): Store {
    const store = this.stores[index];
    if (!store) throw new HttpError(404, `no storage number ${index} in this dashboard`);
    return store;
  }

  /** The study with this key, current; 404 when there is none. */
  async study(key: string): Promise<StudyMirror> {
    const [storeIndex, id] = parseKey(key, 'study');
    const known = this.mirrors.get(key);
    if (known) {
      await known.refresh();
      return known;
    }
    const store = this.store(storeIndex);
    const mirror = (await this.studiesOf(store)).find((m) => m.record.id === id);
    if (!mirror) throw new HttpError(404, `no study with key ${key} (storage ${store.location})`);
    await mirror.refresh();
    return mirror;
  }

  /** The trial with this key and the mirror of its study; 404 when there is none. */
  async trial(key: string): Promise<{ mirror: StudyMirror; trial: FrozenTrial }> {
    const [storeIndex, id] = parseKey(key, 'trial');
    const store = this.store(storeIndex);
    // Storage ids are unique within a storage, but a trial does not name its study: look in each,
    // then once more with fresh reads (a trial forked a moment ago may be newer than the last read).
    const mirrors = await this.studiesOf(store);
    for (const maxAgeMs of [200, 0]) {
      for (const mirror of mirrors) {
        await mirror.refresh(maxAgeMs);
        const trial = mirror.byId.get(id);
        if (trial) return { mirror, trial };
      }
    }
    throw new HttpError(404, `no trial with key ${key} (storage ${store.location})`);
  }

  location(mirror: StudyMirror): string {
    return this.store(mirror.storeIndex).location;
  }

  async close(): Promise<void> {
    for (const store of this.stores) if (store.owned) await store.storage.close();
    this.stores.length = 0;
    this.mirrors.clear();
  }
}

/** `"<store>-<id>"` → [store, id]; 400 for anything else. */
export function parseKey(key: string, what: 'study' | 'trial'): [number, number] {
  const m = /^(\d{1,6})-(\d{1,15})$/.exec(key);
  if (!m) throw new HttpError(400, `bad ${what} key '${key.slice(0, 40)}': expected <storage>-<id>, e.g. 0-12`);
  return [Number(m[1]), Number(m[2])];
}
