"""The database: models, opening a store (SQLite or a server by URL), transactions, id lists."""
