/**
 * SqliteStore: the default backend, kine's model on better-sqlite3. One append-only log table
 * whose row id is the revision; a delete is a tombstone row; UNIQUE(name, prev_revision) is the
 * optimistic lock. WAL with synchronous=NORMAL: a crash may lose the last commits, never corrupt.
 * One writer (this process); watchers are fed from the commits it makes.
 */
import Database from 'better-sqlite3';
import {
  CompactedError,
  type Disposable,
  type KeyValue,
  type RangeOptions,
  type RangeResult,
  type Store,
  type StoreEvent,
  type WriteResult,
  prefixEnd,
} from './store.js';
import { WatchHub } from './watch-hub.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_prev_revision ON kine (prev_revision);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  version: number;
  value: string;
}

interface EventRow extends Row {
  p_deleted: number | null;
  p_value: string | null;
  p_version: number | null;
}

const toKv = (r: Row): KeyValue => ({
  key: r.name,
  value: r.value,
  createRevision: r.create_revision,
  modRevision: r.id,
  version: r.version,
});

function toEvent(r: EventRow): StoreEvent {
  if (r.deleted) {
    const prevKv = { ...toKv(r), modRevision: r.prev_revision };
    return { type: 'delete', kv: toKv(r), prevKv, revision: r.id };
  }
  const prevKv =
    r.p_value !== null && !r.p_deleted && !r.created
      ? { key: r.name, value: r.p_value, createRevision: r.create_revision, modRevision: r.prev_revision, version: r.p_version ?? 0 }
      : undefined;
  return { type: 'put', kv: toKv(r), prevKv, revision: r.id };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly hub = new WatchHub();
  private rev: number;
  private compacted: number;
  private readonly stmts;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 30000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.stmts = {
      latest: db.prepare<[string], Row>('SELECT * FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1'),
      latestAt: db.prepare<[string, number], Row>('SELECT * FROM kine WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1'),
      insert: db.prepare(
        'INSERT INTO kine (id, name, created, deleted, create_revision, prev_revision, version, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      // The latest row per name as of a revision; NOT EXISTS probes (name, id) and beats MAX()+GROUP BY ~2.5x.
      range: db.prepare<[string, string, number, number, number], Row>(
        `SELECT k.* FROM kine k WHERE k.name >= ? AND k.name < ? AND k.id <= ? AND k.deleted = 0
         AND NOT EXISTS (SELECT 1 FROM kine n WHERE n.name = k.name AND n.id > k.id AND n.id <= ?) ORDER BY k.name LIMIT ?`,
      ),
      after: db.prepare<[number, string, string], EventRow>(
        `SELECT k.*, p.deleted AS p_deleted, p.value AS p_value, p.version AS p_version FROM kine k
         LEFT JOIN kine p ON p.id = k.prev_revision WHERE k.id >= ? AND k.name >= ? AND k.name < ? ORDER BY k.id`,
      ),
      seq: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'kine'"),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      compact: db.prepare(
        `DELETE FROM kine WHERE id < @t AND (deleted = 1 OR id IN (SELECT prev_revision FROM kine WHERE id <= @t))`,
      ),
    };
    this.rev = this.stmts.seq.get()?.seq ?? 0;
    this.compacted = this.stmts.getMeta.get('compact_rev')?.value ?? 0;
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compactRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string, opts: { revision?: number } = {}): Promise<KeyValue | undefined> {
    const at = opts.revision;
    if (at && at < this.rev) this.checkCompacted(at);
    const row = at && at < this.rev ? this.stmts.latestAt.get(key, at) : this.stmts.latest.get(key);
    return row && !row.deleted ? toKv(row) : undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    const at = opts.revision && opts.revision < this.rev ? opts.revision : this.rev;
    if (at < this.rev) this.checkCompacted(at);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows = this.stmts.range.all(opts.startKey ?? prefix, prefixEnd(prefix), at, at, limit === -1 ? -1 : limit + 1);
    const more = limit !== -1 && rows.length > limit;
    return { kvs: (more ? rows.slice(0, limit) : rows).map(toKv), revision: at, more };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    return this.write((id) => {
      const cur = this.stmts.latest.get(key);
      if (cur && !cur.deleted) return { res: { ok: false, revision: this.rev, kv: toKv(cur) } };
      this.stmts.insert.run(id, key, 1, 0, id, cur?.id ?? 0, 1, value);
      const kv = { key, value, createRevision: id, modRevision: id, version: 1 };
      return { res: { ok: true, revision: id, kv }, event: { type: 'put', kv, revision: id } };
    });
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    return this.write((id) => {
      const cur = this.stmts.latest.get(key);
      if (!cur || cur.deleted || cur.id !== expectedModRevision) {
        return { res: { ok: false, revision: this.rev, kv: cur && !cur.deleted ? toKv(cur) : undefined } };
      }
      this.stmts.insert.run(id, key, 0, 0, cur.create_revision, cur.id, cur.version + 1, value);
      const kv = { key, value, createRevision: cur.create_revision, modRevision: id, version: cur.version + 1 };
      return { res: { ok: true, revision: id, kv }, event: { type: 'put', kv, prevKv: toKv(cur), revision: id } };
    });
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResult> {
    return this.write((id) => {
      const cur = this.stmts.latest.get(key);
      if (!cur || cur.deleted || (expectedModRevision !== undefined && cur.id !== expectedModRevision)) {
        return { res: { ok: false, revision: this.rev, kv: cur && !cur.deleted ? toKv(cur) : undefined } };
      }
      this.stmts.insert.run(id, key, 0, 1, cur.create_revision, cur.id, cur.version, cur.value);
      const prevKv = toKv(cur);
      return { res: { ok: true, revision: id, kv: prevKv }, event: { type: 'delete', kv: { ...prevKv, modRevision: id }, prevKv, revision: id } };
    });
  }

  watch(prefix: string, fromRevision: number, onEvents: (events: StoreEvent[]) => void): Disposable {
    if (fromRevision > 0) this.checkCompacted(fromRevision);
    const replay = fromRevision > 0 ? this.stmts.after.all(fromRevision, prefix, prefixEnd(prefix)).map(toEvent) : [];
    return this.hub.add(prefix, replay, onEvents);
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.rev);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.stmts.compact.run({ t: target });
      this.stmts.setMeta.run('compact_rev', target);
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    this.hub.closeAll();
    if (this.db.open) this.db.close();
  }

  /** Runs a read-check-insert in one immediate transaction at the next revision, then tells watchers. */
  private write(fn: (id: number) => { res: WriteResult; event?: StoreEvent }): WriteResult {
    const { res, event } = this.db.transaction(fn).immediate(this.rev + 1);
    if (event) {
      this.rev = event.revision;
      this.hub.publish([event]);
    }
    return res;
  }

  private checkCompacted(revision: number): void {
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
  }
}
