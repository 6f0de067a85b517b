"""Reference for the import benchmark: what the seed's Python stack does to load the file.

pandas.read_csv + DataFrame.to_sql into SQLite (one wide table, one column per ratio), timed
from reading the file to the commit. Prints the seconds.
"""
import sqlite3
import sys
import time

import pandas as pd

csv_path, db_path = sys.argv[1], sys.argv[2]
started = time.perf_counter()
frame = pd.read_csv(csv_path)
with sqlite3.connect(db_path) as conn:
    frame.to_sql("statements", conn, if_exists="fail", index=False, chunksize=1000)
    conn.commit()
print(f"{time.perf_counter() - started:.3f}")
