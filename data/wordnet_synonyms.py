#!/usr/bin/env python3
"""Writes data/synonyms.tsv from WordNet 3.0 (Debian's wordnet-base, /usr/share/wordnet).

Each line is a single word, a tab, and the single-word synonyms of its most common senses
(WordNet orders a word's senses by frequency in its tagged corpus), space-separated. Only the
first SENSES senses of each part of speech are read, so rare senses ("slip" as a cutting for
planting) do not bring in unrelated words. Search treats these as weak alternatives of the
typed word (see ARCHITECTURE.md, "Queries"). Licence: WordNet 3.0 (see data/LICENSE-WordNet).

Usage (apt install wordnet-base): python3 data/wordnet_synonyms.py [/usr/share/wordnet] > data/synonyms.tsv
"""
import re
import sys
from collections import defaultdict

SENSES = 2
POS = ["noun", "verb", "adj", "adv"]
WORD = re.compile(r"^[a-z][a-z-]*[a-z]$")


def synsets(root, pos):
    words = {}
    with open(f"{root}/data.{pos}", encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            parts = line.split()
            offset, count = parts[0], int(parts[3], 16)
            words[offset] = [parts[4 + 2 * i].lower().split("(")[0] for i in range(count)]
    return words


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
    out = defaultdict(list)
    for pos in POS:
        sets = synsets(root, pos)
        with open(f"{root}/index.{pos}", encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                parts = line.split()
                lemma = parts[0]
                if not WORD.match(lemma):
                    continue
                n_senses = int(parts[2])
                offsets = parts[-n_senses:][:SENSES]
                for off in offsets:
                    for w in sets.get(off, []):
                        if w != lemma and WORD.match(w) and w not in out[lemma]:
                            out[lemma].append(w)
    for lemma in sorted(out):
        if out[lemma]:
            print(f"{lemma}\t{' '.join(out[lemma])}")


if __name__ == "__main__":
    main()
