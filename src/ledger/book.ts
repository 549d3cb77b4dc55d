/**
 * The ledger's book: posted charges, the totals per period and per tier/model, and their replication to KV. Used by
 * the TenantLedger DO (src/ledger/object.ts), which owns the leases and holds and decides what to post; this module
 * only records and reports.
 *
 * - `post()` records a charge (idempotent by ledger id) and adds it to the call's totals; `replace()` swaps an
 *   `unsettled` charge (posted when a reservation timed out) for the real settle that arrived after it, exactly once;
 *   `commit()` writes the call's summed totals (one upsert per row, not per charge).
 * - `flush()` writes changed totals to KV as absolute snapshots and the pending per-request records as one KV value
 *   per UTC day, so a failed or repeated write is simply retried: KV converges to the ledger.
 *
 * @example
 * const book = new SpendBook(ctx.storage.sql, env.TRIAGE_KV)
 * book.post(id, nano, '200', record, Date.now()); book.commit(Date.now()); await book.flush(tenant)
 */
import { formatUsd } from '../money/format'
import { dayOf, monthOf } from './periods'
import { spendKey, recordBatches, REQUEST_RECORD_TTL_S, type SpendRecord, type SpendTotals, type Bucket, type SpendCall } from './kv'

/** Charges older than this (and already in KV) are pruned from SQLite. */
export const CHARGE_RETENTION_MS = 40 * 24 * 3600 * 1000
const FLUSH_BATCH = 2_000
/** totals_by rows per upsert: 8 parameters each, within SQLite's 100 bound parameters per statement. */
const BY_ROWS_PER_STATEMENT = 12

/** Totals added by one call to one row: a period (`dimKey` '') or a period's tier/model bucket (`dimKey` 'tier\nmedium'). */
interface TotalsDelta {
  period: string
  dimKey: string
  nano: number
  requests: number
  premium: number
  input: number
  output: number
}

/** The calls a record is totalled by: its own, or one call standing for the whole request (an unsettled charge). */
function callsOf(record: SpendRecord, nano: number): Array<Pick<SpendCall, 'tier' | 'model' | 'tokens' | 'cost_nano' | 'premium_nano'>> {
  // A response-cache hit has no call: its premium equivalent is what it saved, so saved = premium − cost holds for it too.
  return record.calls.length ? record.calls : [{ tier: record.tier ?? 'unknown', model: record.model ?? 'unknown', tokens: record.tokens, cost_nano: nano, premium_nano: record.cache ? record.cache.saved_nano : nano }]
}

/** Creates or upgrades the book's tables (`meta` must exist). Idempotent. */
export function migrateBook(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS charges (
      request_id TEXT PRIMARY KEY, nano INTEGER NOT NULL, status TEXT NOT NULL, model TEXT, tier TEXT,
      at INTEGER NOT NULL, day TEXT NOT NULL, month TEXT NOT NULL, record TEXT, kv_pending INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX IF NOT EXISTS charges_at ON charges(at);
    CREATE INDEX IF NOT EXISTS charges_kv_pending ON charges(kv_pending) WHERE kv_pending = 1;
    CREATE TABLE IF NOT EXISTS totals (period TEXT PRIMARY KEY, nano INTEGER NOT NULL, requests INTEGER NOT NULL,
      version INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS totals_by (period TEXT NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL,
      nano INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (period, dim, key));
  `)
  // v2: totals gain the premium equivalent and tokens. Rows from before count their own cost as premium (no savings claimed).
  if (!sql.exec(`SELECT 1 FROM meta WHERE k = 'schema'`).toArray().length) {
    for (const t of ['totals', 'totals_by']) {
      sql.exec(`ALTER TABLE ${t} ADD COLUMN premium INTEGER NOT NULL DEFAULT 0; ALTER TABLE ${t} ADD COLUMN input INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ${t} ADD COLUMN output INTEGER NOT NULL DEFAULT 0; UPDATE ${t} SET premium = nano;`)
    }
    sql.exec(`INSERT INTO meta (k, v) VALUES ('schema', '2')`)
  }
}

export class SpendBook {
  /** Totals or records not yet written to KV. */
  dirty = false
  /** `totals.nano` by period, read on first use. */
  private spentBy = new Map<string, number>()
  /** Totals posted by the current call, summed per row; written once at its end (`commit`). */
  private delta = new Map<string, TotalsDelta>()

  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: KVNamespace,
  ) {
    this.reload()
  }

  /** Rebuilds the in-memory state from SQL. */
  reload(): void {
    this.spentBy.clear()
    this.dirty = this.pendingInSql()
  }

  private pendingInSql(): boolean {
    return this.sql.exec('SELECT 1 FROM totals WHERE version > flushed LIMIT 1').toArray().length > 0 ||
      this.sql.exec('SELECT 1 FROM charges WHERE kv_pending = 1 LIMIT 1').toArray().length > 0
  }

  /** Settled spend in a period (committed totals). */
  spent(period: string): number {
    let nano = this.spentBy.get(period)
    if (nano === undefined) {
      nano = this.sql.exec<{ nano: number }>('SELECT nano FROM totals WHERE period = ?', period).toArray()[0]?.nano ?? 0
      this.spentBy.set(period, nano)
    }
    return nano
  }

  /**
   * Posts a charge: the ledger row, the period totals (cost, premium equivalent, tokens), and a pending KV record.
   * The premium equivalent is the record's (priced where the record was built); an unsettled charge claims no savings.
   * Returns false, and changes nothing, if a charge with this id exists already.
   */
  post(id: string, nano: number, status: string, record: SpendRecord, now: number): boolean {
    record.settled_at = new Date(now).toISOString()
    record.cost_nano = nano
    record.cost_usd = formatUsd(nano)
    const calls = callsOf(record, nano)
    record.premium_nano = calls.reduce((a, c) => a + (c.premium_nano ?? c.cost_nano), 0)
    const posted = this.sql.exec(
      'INSERT INTO charges (request_id, nano, status, model, tier, at, day, month, record, kv_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(request_id) DO NOTHING RETURNING 1',
      id, nano, status, record.model, record.tier, now, dayOf(now), monthOf(now), JSON.stringify(record),
    ).toArray().length > 0
    if (!posted) return false
    this.total(dayOf(now), monthOf(now), record, calls, 1)
    return true
  }

  /**
   * A settle that arrived after its reservation was charged `unsettled` (it outlived its TTL): replaces that charge by
   * the real one, in the same periods, exactly once (the replaced row is no longer `unsettled`). Returns the change
   * in spend, or undefined when there is no unsettled charge with this id (nothing to do: applied already, or voided).
   */
  replace(id: string, nano: number, status: string, record: SpendRecord): number | undefined {
    const old = this.sql
      .exec<{ nano: number; at: number; day: string; month: string; record: string }>(`SELECT nano, at, day, month, record FROM charges WHERE request_id = ? AND status = 'unsettled'`, id)
      .toArray()[0]
    if (!old) return undefined
    const before = JSON.parse(old.record) as SpendRecord
    // The real record, in the unsettled one's place: same periods, same settle time (so a day's records and its totals
    // still cover the same requests), its own cost and model.
    record.settled_at = before.settled_at || new Date(old.at).toISOString()
    record.cost_nano = nano
    record.cost_usd = formatUsd(nano)
    const calls = callsOf(record, nano)
    record.premium_nano = calls.reduce((a, c) => a + (c.premium_nano ?? c.cost_nano), 0)
    this.sql.exec(
      'UPDATE charges SET nano = ?, status = ?, model = ?, tier = ?, record = ?, kv_pending = 1 WHERE request_id = ?',
      nano, status, record.model, record.tier, JSON.stringify(record), id,
    )
    this.total(old.day, old.month, before, callsOf(before, old.nano), -1)
    this.total(old.day, old.month, record, calls, 1)
    return nano - old.nano
  }

  /** Adds (sign 1) or takes back (sign -1) a charge's totals, for its day and month. */
  private total(day: string, month: string, record: SpendRecord, calls: ReturnType<typeof callsOf>, sign: 1 | -1): void {
    const nano = calls.reduce((a, c) => a + c.cost_nano, 0)
    const premium = calls.reduce((a, c) => a + (c.premium_nano ?? c.cost_nano), 0)
    for (const period of [day, month]) this.add('', period, sign * nano, sign, sign * premium, sign * record.tokens.input, sign * record.tokens.output)
    for (const c of calls) {
      for (const [dim, key] of [['tier', c.tier], ['model', c.model]] as const) {
        for (const period of [day, month]) this.add(`${dim}\n${key}`, period, sign * c.cost_nano, sign, sign * (c.premium_nano ?? c.cost_nano), sign * c.tokens.input, sign * c.tokens.output)
      }
    }
    this.dirty = true
  }

  /** Counts a refused request under its reason, in the period totals of `at` (no money, no request). */
  refusal(reason: string, at: number): void {
    // The period row changes by nothing but its version, so the flush rewrites the period's totals with the count.
    for (const period of [dayOf(at), monthOf(at)]) {
      this.add('', period, 0, 0, 0, 0, 0)
      this.add(`refusal\n${reason}`, period, 0, 1, 0, 0, 0)
    }
    this.dirty = true
  }

  /** A tombstone for a voided reservation, so a late hold or settle for it is ignored. Returns false if the id is taken. */
  void(id: string, now: number): boolean {
    return this.sql.exec(
      `INSERT INTO charges (request_id, nano, status, at, day, month, kv_pending) VALUES (?, 0, 'released', ?, ?, ?, 0) ON CONFLICT(request_id) DO NOTHING RETURNING 1`,
      id, now, dayOf(now), monthOf(now),
    ).toArray().length > 0
  }

  private add(dimKey: string, period: string, nano: number, requests: number, premium: number, input: number, output: number): void {
    const k = `${period}\n${dimKey}`
    const d = this.delta.get(k)
    if (d) {
      d.nano += nano
      d.requests += requests
      d.premium += premium
      d.input += input
      d.output += output
    } else this.delta.set(k, { period, dimKey, nano, requests, premium, input, output })
  }

  /** Writes the summed totals of this call: one upsert for the period rows, chunked upserts for the tier/model rows. */
  commit(now: number): void {
    if (this.delta.size === 0) return
    const rows = [...this.delta.values()]
    this.delta.clear()
    const add = 'nano = nano + excluded.nano, requests = requests + excluded.requests, premium = premium + excluded.premium, input = input + excluded.input, output = output + excluded.output'
    const periods = rows.filter((r) => r.dimKey === '')
    // RETURNING keeps the in-memory spend equal to the row.
    for (const t of this.sql.exec<{ period: string; nano: number }>(
      `INSERT INTO totals (period, nano, requests, premium, input, output, version, flushed, updated_at) VALUES ${periods.map(() => '(?, ?, ?, ?, ?, ?, 1, 0, ?)').join(', ')}
       ON CONFLICT(period) DO UPDATE SET ${add}, version = version + 1, updated_at = excluded.updated_at RETURNING period, nano`,
      ...periods.flatMap((r) => [r.period, r.nano, r.requests, r.premium, r.input, r.output, now]),
    )) this.spentBy.set(t.period, t.nano)
    const by = rows.filter((r) => r.dimKey !== '')
    for (let i = 0; i < by.length; i += BY_ROWS_PER_STATEMENT) {
      const chunk = by.slice(i, i + BY_ROWS_PER_STATEMENT)
      this.sql.exec(
        `INSERT INTO totals_by (period, dim, key, nano, requests, premium, input, output) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT(period, dim, key) DO UPDATE SET ${add}`,
        ...chunk.flatMap((r) => {
          const [dim, key] = r.dimKey.split('\n')
          return [r.period, dim, key, r.nano, r.requests, r.premium, r.input, r.output]
        }),
      )
    }
    this.dirty = true
  }

  /** Drops charges past retention that KV already has. */
  prune(now: number): void {
    this.sql.exec('DELETE FROM charges WHERE at < ? AND kv_pending = 0', now - CHARGE_RETENTION_MS)
  }

  /** Writes pending totals and per-request records to KV. Returns how many keys were written. Throws if any write failed (the rest stays pending). */
  async flush(tenant: string | null): Promise<number> {
    if (!tenant) return 0
    let written = 0
    let failed: unknown
    // 1. Totals: absolute snapshots, so a retry or a reordering can never lose or double an increment.
    const dirty = this.sql.exec<{ period: string; version: number }>('SELECT period, version FROM totals WHERE version > flushed').toArray()
    for (const d of dirty) {
      const snapshot = this.totals(tenant, d.period)
      try {
        await this.kv.put(spendKey(tenant, d.period), JSON.stringify(snapshot), { metadata: { nano: snapshot.nano, requests: snapshot.requests } })
        this.sql.exec('UPDATE totals SET flushed = MAX(flushed, ?) WHERE period = ?', d.version, d.period)
        written++
      } catch (err) {
        failed = err
      }
    }
    // 2. Per-request records: one KV value per UTC day of settle times, not one per request (KV bills per write).
    const pending = this.sql.exec<{ request_id: string; record: string }>('SELECT request_id, record FROM charges WHERE kv_pending = 1 LIMIT ?', FLUSH_BATCH).toArray()
    const ids = new Map<SpendRecord, string>()
    for (const p of pending) ids.set(JSON.parse(p.record) as SpendRecord, p.request_id)
    const results = await Promise.allSettled(
      recordBatches(tenant, [...ids.keys()]).map(async (b) => {
        await this.kv.put(b.key, JSON.stringify(b.value), { expirationTtl: REQUEST_RECORD_TTL_S, metadata: b.metadata })
        return b.value.records.map((r) => ids.get(r)!)
      }),
    )
    const done: string[] = []
    for (const r of results) {
      if (r.status === 'fulfilled') done.push(...r.value)
      else failed = r.reason
    }
    if (done.length) this.sql.exec('UPDATE charges SET kv_pending = 0 WHERE request_id IN (SELECT value FROM json_each(?))', JSON.stringify(done))
    written += results.length - results.filter((r) => r.status === 'rejected').length
    this.dirty = this.pendingInSql()
    if (failed) throw failed
    return written
  }

  /** The totals of one period, as written to KV. */
  totals(tenant: string, period: string): SpendTotals {
    type Row = { nano: number; requests: number; premium: number; input: number; output: number }
    const bucket = (r: Row): Bucket => ({ nano: r.nano, requests: r.requests, premium_nano: r.premium, tokens: { input: r.input, output: r.output } })
    const t = this.sql.exec<Row & { updated_at: number }>('SELECT nano, requests, premium, input, output, updated_at FROM totals WHERE period = ?', period).toArray()[0]
    const by: Record<'tier' | 'model', Record<string, Bucket>> = { tier: {}, model: {} }
    const refusals: Record<string, number> = {}
    for (const r of this.sql.exec<Row & { dim: 'tier' | 'model' | 'refusal'; key: string }>('SELECT dim, key, nano, requests, premium, input, output FROM totals_by WHERE period = ? ORDER BY key', period)) {
      if (r.dim === 'refusal') {
        refusals[r.key] = r.requests
        continue
      }
      // A bucket emptied by a replaced charge (an unsettled charge on a model the real settle did not use) is not shown.
      if (r.requests === 0 && r.nano === 0) continue
      by[r.dim][r.key] = bucket(r)
    }
    return {
      v: 1, tenant, period,
      ...bucket(t ?? { nano: 0, requests: 0, premium: 0, input: 0, output: 0 }), usd: formatUsd(t?.nano ?? 0),
      by_tier: by.tier, by_model: by.model,
      ...(Object.keys(refusals).length ? { refusals } : {}),
      updated_at: new Date(t?.updated_at ?? 0).toISOString(),
    }
  }

  /** Every period with totals, newest first. */
  allTotals(tenant: string): SpendTotals[] {
    return this.sql.exec<{ period: string }>('SELECT period FROM totals ORDER BY period DESC').toArray().map((p) => this.totals(tenant, p.period))
  }

  /** Σ and count of posted charges (voided ones excluded), and how many records KV still lacks. */
  charged(): { nano: number; charges: number; kv_pending: number } {
    const c = this.sql.exec<{ s: number | null; n: number }>(`SELECT SUM(nano) AS s, COUNT(*) AS n FROM charges WHERE status != 'released'`).one()
    return { nano: c.s ?? 0, charges: c.n, kv_pending: this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM charges WHERE kv_pending = 1').one().n }
  }

  /** Charges posted since `since` (not voided), oldest first: the spend rate leases are sized by. */
  recentCharges(since: number): Array<[at: number, nano: number]> {
    return this.sql.exec<{ at: number; nano: number }>(`SELECT at, nano FROM charges WHERE at > ? AND status != 'released' ORDER BY at`, since).toArray().map((c) => [c.at, c.nano])
  }
}
