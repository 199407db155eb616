// The two Lua scripts of the Redis engine. A script runs atomically and is written to the append-only file as
// one unit, so a customer's log, its lastSeq and its dedupe keys never disagree, even across a crash of Redis.

/**
 * Appends a batch of new entries for one customer, if nobody else did since we read its head.
 * KEYS: meta, log, then one dedupe key per new entry.
 * ARGV: expected lastSeq, state JSON after the batch, dedupe TTL (ms), channel, publish payload, storedAt,
 *       then per new entry: message JSON, state JSON ('' when the entry did not change the state).
 * Returns 1 when stored, 0 when lastSeq moved (another node wrote), -1 when a dedupe key exists (a retry
 * raced us): in both cases nothing was written and the caller re-reads and plans again.
 * The PUBLISH is inside the script, so live entries go out in commit order and only once committed; on a
 * Cluster with sharded pub/sub it is an SPUBLISH (the channel shares the customer's hash tag, so its slot).
 */
export const appendScript = (publish: 'PUBLISH' | 'SPUBLISH') => `
local last = tonumber(redis.call('HGET', KEYS[1], 'lastSeq') or '0')
if last ~= tonumber(ARGV[1]) then return 0 end
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return -1 end
end
local seq = last
for i = 3, #KEYS do
  seq = seq + 1
  local arg = 7 + (i - 3) * 2
  local id = string.format('%d-0', seq)
  if ARGV[arg + 1] == '' then
    redis.call('XADD', KEYS[2], id, 't', ARGV[6], 'm', ARGV[arg])
  else
    redis.call('XADD', KEYS[2], id, 't', ARGV[6], 'm', ARGV[arg], 's', ARGV[arg + 1])
  end
  redis.call('SET', KEYS[i], seq, 'PX', ARGV[3])
end
redis.call('HSET', KEYS[1], 'lastSeq', seq, 'state', ARGV[2])
redis.call('${publish}', ARGV[4], ARGV[5])
return 1
`;

/**
 * Deletes, from the head of one customer's log, up to ARGV[2] entries stored before ARGV[1] (ms). Stops at the
 * first younger entry. Returns { deleted, storedAt of the oldest entry left or -1 when none is left }.
 * The stream keeps its last id after a trim and lastSeq lives in meta, so seqs are never reused.
 */
export const PURGE_SCRIPT = `
local cutoff = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', limit + 1)
local deleted = 0
local keep = nil
for _, entry in ipairs(entries) do
  if deleted >= limit or tonumber(entry[2][2]) >= cutoff then
    keep = entry
    break
  end
  deleted = deleted + 1
end
if deleted > 0 then
  if keep then
    redis.call('XTRIM', KEYS[1], 'MINID', keep[1])
  else
    redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)
  end
end
if keep then return { deleted, keep[2][2] } end
return { deleted, '-1' }
`;
