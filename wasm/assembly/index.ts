// Entry point of Kindling's WebAssembly kernels (built by scripts/build-wasm.ts).
// The module imports its memory (shared when threads are available) and has no
// data segments and no allocator: the TypeScript side owns every byte above
// heapBase() and passes byte addresses.

export { GEMM_KC, GEMM_MR, GEMM_NC, GEMM_NR, gemmScratchBytes, sgemm, sgemmBatch } from "./gemm";
export {
  vadd,
  vaxpy,
  vbackward,
  vcos,
  vdiv,
  vexp,
  vgelu,
  vgeluBackward,
  vlog,
  vmul,
  vscalar,
  vrowscalar,
  vsin,
  vsub,
  vsum,
  vsumCols,
  vsumRows,
  vtanh,
  vunary,
} from "./pointwise";

/** First byte of linear memory not used by the module itself. */
export function heapBase(): usize {
  return __heap_base;
}
