-- Core: every write with an Idempotency-Key first deletes the caller's keys older than 24
-- hours. Without this index that DELETE reads all of the caller's keys through the
-- (user_id, key) unique index, so a registration desk booking all day made each of its
-- writes slower than the last (bench/booking found it).
CREATE INDEX idempotency_keys_user_created ON idempotency_keys (user_id, created_at);
