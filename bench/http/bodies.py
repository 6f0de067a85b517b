#!/usr/bin/python3
"""Writes one JSON /score body per line from the rows of a CSV file, for score.lua.

  bodies.py TEST.csv LABEL TOP_K OUT      (TOP_K < 0 leaves "top_k" out: the FastAPI peer's shape)

Feature names are the CSV header names trimmed of spaces, as `risklab import` stores them.
"""
import csv
import json
import sys


def main():
    path, label, top_k, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(path, newline="", encoding="utf-8") as f, open(out, "w", encoding="utf-8") as w:
        reader = csv.reader(f)
        names = [name.strip() for name in next(reader)]
        for row in reader:
            features = {n: (float(v) if v.strip() else None)
                        for n, v in zip(names, row) if n != label.strip()}
            body = {"features": features}
            if top_k >= 0:
                body["top_k"] = top_k
            w.write(json.dumps(body, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
