"""A hypothesis example database whose stored failures are replayed once, then dropped.

Hypothesis replays every stored failing example first on the next run. Against a shared environment a failure
that depends on that environment's state would then be replayed, and reported, on every run forever. Here a
stored example is replayed on the next run (so a real regression is seen again and reported), marked as
replayed, and dropped at the run after that unless hypothesis finds it anew (a fresh ``save`` clears the mark).
"""

from collections.abc import Iterable
from pathlib import Path

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase


class ReplayOnceDatabase(ExampleDatabase):
    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.examples = DirectoryBasedExampleDatabase(str(path))
        self.replayed = DirectoryBasedExampleDatabase(str(Path(path) / "replayed"))

    def fetch(self, key: bytes) -> Iterable[bytes]:
        marks = set(self.replayed.fetch(key))
        for value in list(self.examples.fetch(key)):
            if value in marks:  # replayed (and reported) on an earlier run: drop it
                self.examples.delete(key, value)
                self.replayed.delete(key, value)
                continue
            self.replayed.save(key, value)
            yield value

    def save(self, key: bytes, value: bytes) -> None:
        if value not in set(self.examples.fetch(key)):  # a new failure: it earns one replay
            self.replayed.delete(key, value)
        self.examples.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.examples.delete(key, value)
        self.replayed.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.examples.move(src, dest, value)
