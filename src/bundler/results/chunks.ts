/** A Durable Object SQLite row holds at most 2 MB. */
const CHUNK_BYTES = 1_900_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS build_chunks (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (key, seq)
  ) WITHOUT ROWID;
`;

/**
 * Values of any size in a Durable Object's SQLite database, split into rows
 * under the row limit. Each value is written in one transaction, so a reader
 * sees all of it or none.
 */
export class ChunkStore {
  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
  }

  has(key: string): boolean {
    return this.storage.sql.exec("SELECT 1 FROM build_chunks WHERE key = ? LIMIT 1", key).toArray().length > 0;
  }

  read(key: string): Uint8Array | null {
    const rows = this.storage.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM build_chunks WHERE key = ? ORDER BY seq", key).toArray();
    if (rows.length === 0) return null;
    const total = rows.reduce((sum, row) => sum + row.data.byteLength, 0);
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const row of rows) {
      bytes.set(new Uint8Array(row.data), offset);
      offset += row.data.byteLength;
    }
    return bytes;
  }

  write(key: string, bytes: Uint8Array): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM build_chunks WHERE key = ?", key);
      for (let seq = 0, offset = 0; offset < bytes.byteLength; seq++, offset += CHUNK_BYTES) {
        this.storage.sql.exec(
          "INSERT INTO build_chunks (key, seq, data) VALUES (?, ?, ?)",
          key,
          seq,
          bytes.subarray(offset, offset + CHUNK_BYTES),
        );
      }
    });
  }
}
