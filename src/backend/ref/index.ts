/**
 * The reference backend: plain TypeScript over typed arrays. It is the
 * executable specification every faster backend is diffed against.
 */

import type { Backend } from "../types.js";
import { adopt, alloc, free } from "./alloc.js";
import { gather, indexAdd, indexSelect, putAdd, scatter, take } from "./indexing.js";
import { matmul } from "./matmul.js";
import { binary, copy, fill, unary, where } from "./pointwise.js";
import { randomFill } from "./random.js";
import { argReduce, argsort, reduce, scan } from "./reduce.js";
import { searchSorted } from "./search.js";

export const refBackend: Backend = {
  name: "js",
  alloc,
  adopt,
  free,
  copy,
  fill,
  unary,
  binary,
  where,
  reduce,
  argReduce,
  scan,
  argsort,
  searchSorted,
  matmul,
  indexSelect,
  indexAdd,
  take,
  putAdd,
  gather,
  scatter,
  randomFill,
};
