-- The calculation time in microseconds: most runs take well under a millisecond, which
-- duration_ms showed as "0 ms". duration_ms stays for older readers.
ALTER TABLE simulations ADD COLUMN duration_us INTEGER;
