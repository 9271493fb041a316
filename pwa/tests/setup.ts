import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, beforeEach } from "vitest";
import { closeDb } from "../src/db";

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory(); // every test starts with an empty database
});
afterEach(async () => {
  await closeDb();
});
