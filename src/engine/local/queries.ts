// Every query the local engine reads messages with, in one place, so that a test can check with EXPLAIN QUERY
// PLAN that each one walks an index rather than the table (test/engine/localSchema3.test.ts).

// Messages name their customer by its key (database.ts): the subquery finds it once, then the index is read.
const CUSTOMER = '(SELECT key FROM customers WHERE id = ?)';

// A customer's merged messages are found through message_seqs; the rows not merged yet ("hot") through the
// reader's map (hotRows.ts), one row by its id (`byId`).
const MERGED = 'message_seqs s JOIN messages m ON m.id = s.id';

export const QUERIES = {
  readSince: `SELECT s.seq, m.body, m.stored_at, m.state FROM ${MERGED} WHERE s.customer = ${CUSTOMER} AND s.seq > ? ORDER BY s.seq LIMIT ?`,
  readBefore: `SELECT s.seq, m.body, m.stored_at, m.state FROM ${MERGED} WHERE s.customer = ${CUSTOMER} AND s.seq < ? ORDER BY s.seq DESC LIMIT ?`,
  byId: 'SELECT seq, body, stored_at, state FROM messages WHERE id = ?',
  /**
   * A customer's head as the file holds it: its newest merged message (and the newest one that changed its state),
   * or the floor its row keeps when retention deleted those (database.ts); heads.ts takes the newest of these and
   * of the hot rows. Each part is one step down an index.
   */
  head: `
    SELECT c.key, c.last_seq AS floor_seq, c.state AS floor_state,
      (SELECT max(seq) FROM message_seqs WHERE customer = c.key) AS newest_seq,
      (SELECT max(seq) FROM messages WHERE customer = c.key AND state IS NOT NULL) AS state_seq,
      (SELECT state FROM messages WHERE customer = c.key AND state IS NOT NULL ORDER BY seq DESC LIMIT 1) AS state
    FROM customers c WHERE c.id = ?`,
  firstSeq: `SELECT min(seq) AS first FROM message_seqs WHERE customer = ${CUSTOMER}`,
  /** Whether a hot row is still there (retention may have deleted it before it was merged). */
  exists: 'SELECT 1 AS found FROM messages WHERE id = ?',
  /** allStored: one lookup in the (ts, customer, dedupe_key) unique index per message. */
  isStored: `SELECT 1 AS found FROM messages WHERE ts = ? AND customer = ${CUSTOMER} AND dedupe_key = ?`,
  /** The writer, when an insert met the dedupe index: the message first stored under that key. */
  duplicate: 'SELECT seq, body, stored_at FROM messages WHERE ts = ? AND customer = ? AND dedupe_key = ?',
  /** Retention: the oldest messages, with what their customers' floors need. */
  oldest: 'SELECT id, customer, seq FROM messages WHERE stored_at < ? ORDER BY stored_at LIMIT ?',
  stateAsOf: 'SELECT seq, state FROM messages WHERE customer = ? AND seq <= ? AND state IS NOT NULL ORDER BY seq DESC LIMIT 1',
  raiseFloor: 'UPDATE customers SET last_seq = ?, state = coalesce(?, state) WHERE key = ? AND last_seq < ?',
  deleteMessage: 'DELETE FROM messages WHERE id = ?',
  deleteSeq: 'DELETE FROM message_seqs WHERE customer = ? AND seq = ?',
  /**
   * The merge (seqMerge.ts): the watermark, the rows above it, their copy sorted as message_seqs is (into a
   * temporary table, seqMerge.ts's MERGING), and its chunks.
   */
  mergedUpto: 'SELECT merged_upto FROM log_state',
  hotRows: 'SELECT m.id, m.customer AS key, m.seq, c.id AS customer_id FROM messages m JOIN customers c ON c.key = m.customer WHERE m.id > ? ORDER BY m.id',
  mergeBound: 'SELECT max(id) AS upto FROM messages WHERE id > ?',
  sortHot:
    'INSERT INTO temp.merging (n, customer, seq, id) SELECT row_number() OVER (ORDER BY customer, seq) - 1, customer, seq, id FROM messages WHERE id > ? AND id <= ?',
  mergeChunk: 'INSERT OR IGNORE INTO message_seqs (customer, seq, id) SELECT customer, seq, id FROM temp.merging WHERE n >= ? AND n < ? ORDER BY n',
  setMergedUpto: 'UPDATE log_state SET merged_upto = ?',
  mediaGrant: 'SELECT grant_json FROM media_grants WHERE customer_id = ? AND media_id = ?',
  purgeGrants:
    'DELETE FROM media_grants WHERE rowid IN (SELECT rowid FROM media_grants WHERE granted_at < ? ORDER BY granted_at LIMIT ?)',
} as const;
