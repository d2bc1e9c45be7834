ALTER TABLE simulations DROP COLUMN duration_us;
