// wasmgate's Extism kernel: the memory half of the `extism:host/env` imports, as a wasm module instantiated
// next to each guest (DESIGN §5). A guest calling load_u64 in a loop pays a wasm→wasm call (~2.4 ns) instead
// of a wasm→C++ call (~45 ns). Written from the Extism 1.x ABI (spec otoroshi-wasm.md §5.2), not from its
// source.
//
// Built by cmake/Kernel.cmake: clang-14 --target=wasm32 -nostdlib, no imports, one growable memory.
//
// Memory layout:
//   [0, 4096)            shadow stack (--stack-first; the kernel barely uses it)
//   [4096, heap_start)   this file's data: wg_state and the free lists
//   [heap_start, top)    blocks, bump-allocated: a 16-byte header, then the data (a handle points at it)
//   [top, memory end)    not yet handed out; memory grows when a block does not fit
//
// Handles are u64 offsets into this memory; 0 means null or failure. Guests do pointer arithmetic on them
// (load_u64(handle + i)), so the data of a block is contiguous and addressable right up to its length.
//
// Allocator: segregated free lists, one per size class (4 classes per power of two, so a block wastes at most
// ~25%), found through a bitmap, all O(1). A miss bumps `top`; when memory would have to grow, a larger free
// block is split first. No coalescing: reset() — which the host calls after every plugin call — drops all
// blocks at once (O(1): it rewinds `top`, clears the bitmap and bumps a generation number).
//
// Headers carry a tag derived from the generation, so a stale header left in memory by an earlier generation
// (reset does not wipe memory) never passes for a live block. The kernel never trusts a header it has not
// validated, so a guest scribbling over headers can confuse its own allocations but cannot make the kernel
// write outside the heap; wg_state and the free lists sit below heap_start, where load/store trap.
//
// Observable Extism behaviour kept: alloc(0) = 0; freed blocks are reused; memory handed out fresh by the
// bump allocator reads as zero, also after a reset (it is zeroed lazily at alloc, only below the high-water
// mark, so reset stays O(1)); input_load_* past the input length return 0 (Extism's default "bounds-checking"
// build); input/output/error survive until reset. Deliberate differences: load_*/store_* outside [heap_start,
// memory end) trap instead of returning 0 or corrupting (a guest bug should fail loudly); free() of the
// current input, output or error block is ignored (Extism frees the input and zeroes its length), so what the
// host reads after the call is what the guest set; memory_bytes() reports bytes handed out since reset rather
// than Extism's allocator capacity.

typedef __UINT8_TYPE__ u8;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __UINTPTR_TYPE__ uptr;

#define WG_EXPORT(name) __attribute__((export_name(name)))
#define WG_TRAP() __builtin_trap()

enum {
  kPageBytes = 65536,
  kGranuleBytes = 16,  // block data size and alignment unit
  kHeaderBytes = 16,
  kClassCount = 112,  // classes 0..111 cover up to kMaxAllocBytes (class 105 is exactly 3 GiB)
};

// Largest single allocation: its class capacity still fits the u32 header field.
#define WG_MAX_ALLOC_BYTES 0xC0000000ull
// The heap never reaches the last 64 KiB of the 4 GiB space, so `top` always fits a u32.
#define WG_MAX_HEAP_END 0xFFFF0000ull
// "WGK1" little-endian: lets the host check it reads the layout it expects (kernel_module.h).
#define WG_STATE_MAGIC 0x314B4757u
// Header tags: live and free tags differ per generation; an odd multiplier gives 2^32 distinct generations.
#define WG_TAG(gen, kind) ((u32)((u32)(gen)*0x9E3779B1u) ^ (u32)(kind))
#define WG_KIND_LIVE 0x4C495645u
#define WG_KIND_FREE 0x46524545u

// 16 bytes right before a block's data. `length` is what the guest asked for; `capacity` what it may use.
struct Block {
  u32 length;
  u32 capacity;   // a multiple of 16, >= length
  u32 tag;        // WG_TAG(generation, LIVE or FREE)
  u32 next_free;  // handle of the next block in the same free list, 0 at the end
};

// The host reads the first 64 bytes straight from memory (kernel_module.h mirrors these offsets); the rest is
// private to the kernel.
struct State {
  u64 input_offset;   // 0
  u64 input_length;   // 8
  u64 output_offset;  // 16
  u64 output_length;  // 24
  u64 error_offset;   // 32
  u64 error_length;   // 40: length of the error block when error_set was called
  u32 magic;          // 48: WG_STATE_MAGIC
  u32 live_tag;       // 52: tag of a live block header in the current generation
  u32 heap_start;     // 56: first block header
  u32 heap_top;       // 60: end of the blocks handed out (bump pointer)
  // private
  u32 generation;
  u32 free_tag;
  u32 dirty_top;  // highest heap_top of any earlier generation: memory below it may hold old bytes
  u32 reserved;
  u64 nonempty[2];  // bit c set when free list c is not empty (free_head[c] is meaningful only then)
};

_Static_assert(__builtin_offsetof(struct State, error_length) == 40, "kernel_module.h mirrors this layout");
_Static_assert(__builtin_offsetof(struct State, magic) == 48, "kernel_module.h mirrors this layout");
_Static_assert(__builtin_offsetof(struct State, heap_top) == 60, "kernel_module.h mirrors this layout");
// prepare_call_in_memory (kernel_prepare.cpp) also writes the private fields: keep these offsets, or change both.
_Static_assert(__builtin_offsetof(struct State, generation) == 64, "kernel_prepare.cpp mirrors this layout");
_Static_assert(__builtin_offsetof(struct State, free_tag) == 68, "kernel_prepare.cpp mirrors this layout");
_Static_assert(__builtin_offsetof(struct State, dirty_top) == 72, "kernel_prepare.cpp mirrors this layout");
_Static_assert(__builtin_offsetof(struct State, nonempty) == 80, "kernel_prepare.cpp mirrors this layout");
_Static_assert(sizeof(struct State) == 96, "kernel_prepare.cpp mirrors this layout");
_Static_assert(sizeof(struct Block) == kHeaderBytes, "header size");

extern u8 __heap_base;  // set by wasm-ld after the data, 16-aligned
#define HEAP_START ((uptr)&__heap_base)

// Exported as the i32 global `wg_state` holding this struct's address (-Wl,--export=wg_state).
struct State wg_state = {
    .magic = WG_STATE_MAGIC,
    .live_tag = WG_TAG(1, WG_KIND_LIVE),
    .heap_start = (u32)(uptr)&__heap_base,
    .heap_top = (u32)(uptr)&__heap_base,
    .generation = 1,
    .free_tag = WG_TAG(1, WG_KIND_FREE),
    .dirty_top = (u32)(uptr)&__heap_base,
};
#define S wg_state

static u32 free_head[kClassCount];

static inline u64 memory_end(void) {
  return (u64)__builtin_wasm_memory_size(0) * kPageBytes;
}

static inline struct Block* header_of(u64 handle) {
  return (struct Block*)(uptr)(handle - kHeaderBytes);
}

// One compare: [p, p+size) must lie in [heap_start, memory end). Below the heap is the kernel's own state.
static inline void check_access(u64 p, u64 size) {
  if (p - HEAP_START > memory_end() - HEAP_START - size) WG_TRAP();
}

// [p, p+len) inside [heap_start, memory end), without overflow. For the rarely called setters.
static int in_heap(u64 p, u64 len) {
  u64 end = memory_end();
  return p >= HEAP_START && p <= end && len <= end - p;
}

// ---- size classes -----------------------------------------------------------------------------------------
// Granules 1..3 have a class each; above, each power of two [2^e, 2^(e+1)) is cut into 4 classes whose
// capacities are (4 + sub) << (e - 2) granules.

static inline u32 floor_class(u32 granules) {  // largest class whose capacity <= granules (granules >= 1)
  if (granules < 4) return granules - 1;
  u32 e = 31u - (u32)__builtin_clz(granules);
  u32 sub = (granules >> (e - 2)) - 4;
  return 4 * (e - 2) + sub + 3;
}

static inline u32 class_granules(u32 c) {
  if (c < 3) return c + 1;
  u32 e = (c - 3) / 4 + 2;
  u32 sub = (c - 3) % 4;
  return (4 + sub) << (e - 2);
}

static inline u32 ceil_class(u32 granules) {  // smallest class whose capacity >= granules
  u32 c = floor_class(granules);
  return class_granules(c) < granules ? c + 1 : c;
}

// ---- blocks and free lists --------------------------------------------------------------------------------

// A handle the kernel gave out in this generation and that is still live: aligned, inside [heap_start, top),
// tagged live, and its capacity ends at or before top.
static int is_live_block(u64 h) {
  if ((h & (kGranuleBytes - 1)) != 0 || h < (u64)S.heap_start + kHeaderBytes || h >= S.heap_top) return 0;
  struct Block* b = header_of(h);
  return b->tag == S.live_tag && (u64)b->capacity - 1 < (u64)S.heap_top - h;
}

static int is_free_block(u64 h) {
  if ((h & (kGranuleBytes - 1)) != 0 || h < (u64)S.heap_start + kHeaderBytes || h >= S.heap_top) return 0;
  struct Block* b = header_of(h);
  return b->tag == S.free_tag && b->capacity >= kGranuleBytes && (u64)b->capacity - 1 < (u64)S.heap_top - h;
}

static inline int list_nonempty(u32 c) {
  return (S.nonempty[c >> 6] >> (c & 63)) & 1;
}
static inline void list_mark(u32 c) {
  S.nonempty[c >> 6] |= 1ull << (c & 63);
}
static inline void list_clear(u32 c) {
  S.nonempty[c >> 6] &= ~(1ull << (c & 63));
}

static void push_free(u64 h) {
  struct Block* b = header_of(h);
  u32 c = floor_class(b->capacity / kGranuleBytes);  // every block in list c holds >= class_granules(c)
  b->next_free = list_nonempty(c) ? free_head[c] : 0;
  b->tag = S.free_tag;
  free_head[c] = (u32)h;
  list_mark(c);
}

// Pops the head of list c (known non-empty). A head that is not a free block of at least the class size (its
// header or a link was overwritten by the guest) ends the list: 0.
static u64 pop_free(u32 c) {
  u64 h = free_head[c];
  if (!is_free_block(h) || header_of(h)->capacity < class_granules(c) * kGranuleBytes) {
    list_clear(c);
    return 0;
  }
  u32 next = header_of(h)->next_free;
  if (next != 0) {
    free_head[c] = next;
  } else {
    list_clear(c);
  }
  return h;
}

// First non-empty class >= from, or kClassCount.
static u32 next_nonempty(u32 from) {
  for (u32 w = from >> 6; w < 2; ++w) {
    u64 bits = S.nonempty[w];
    if (w == from >> 6) bits &= ~0ull << (from & 63);
    if (bits != 0) return w * 64 + (u32)__builtin_ctzll(bits);
  }
  return kClassCount;
}

static u64 activate(u64 h, u64 n) {
  struct Block* b = header_of(h);
  b->length = (u32)n;
  b->tag = S.live_tag;
  b->next_free = 0;
  return h;
}

// A free block of a class above c, cut down to `capacity` when the rest can hold a block of its own.
static u64 take_larger(u32 c, u32 capacity) {
  for (u32 k = next_nonempty(c + 1); k < kClassCount; k = next_nonempty(k)) {
    u64 h = pop_free(k);
    if (h == 0) continue;  // corrupted list dropped; look again from k
    struct Block* b = header_of(h);
    if ((u64)b->capacity >= (u64)capacity + kHeaderBytes + kGranuleBytes) {
      u64 rest = h + capacity + kHeaderBytes;
      struct Block* r = header_of(rest);
      r->length = 0;
      r->capacity = b->capacity - capacity - kHeaderBytes;
      b->capacity = capacity;
      push_free(rest);
    }
    return h;
  }
  return 0;
}

// Carves a new block at top, growing memory if needed. Fresh memory is zero; memory an earlier generation
// used is zeroed here when `zero` is set (the host's input block skips it: the host overwrites it).
static u64 bump(u64 n, u32 capacity, int zero) {
  u64 h = (u64)S.heap_top + kHeaderBytes;
  u64 end = h + capacity;
  if (end > WG_MAX_HEAP_END) return 0;
  u64 mem = memory_end();
  if (end > mem) {
    u64 pages = (end - mem + kPageBytes - 1) / kPageBytes;
    if (__builtin_wasm_memory_grow(0, (uptr)pages) == (uptr)-1) return 0;
  }
  struct Block* b = header_of(h);
  b->capacity = capacity;
  S.heap_top = (u32)end;
  if (zero && h < S.dirty_top) {
    u64 dirty_end = end < S.dirty_top ? end : S.dirty_top;
    __builtin_memset((void*)(uptr)h, 0, (uptr)(dirty_end - h));
  }
  return activate(h, n);
}

// exact: capacity rounded to 16 bytes, not to the class size; for the host's input block, which is pinned
// until reset, so class slack would never serve anyone. (Freed anyway, it joins the list of its floor class.)
__attribute__((always_inline)) static inline u64 alloc_block(u64 n, int zero, int exact) {
  if (n == 0 || n > WG_MAX_ALLOC_BYTES) return 0;
  u32 granules = (u32)((n + kGranuleBytes - 1) / kGranuleBytes);
  u32 c = ceil_class(granules);
  u32 capacity = (exact ? granules : class_granules(c)) * kGranuleBytes;
  if (list_nonempty(c)) {
    u64 h = pop_free(c);
    if (h != 0) return activate(h, n);
  }
  if ((u64)S.heap_top + kHeaderBytes + capacity <= memory_end()) return bump(n, capacity, zero);
  u64 h = take_larger(c, capacity);
  if (h != 0) return activate(h, n);
  return bump(n, capacity, zero);
}

// ---- Extism exports ---------------------------------------------------------------------------------------

WG_EXPORT("alloc") u64 k_alloc(u64 n) {
  return alloc_block(n, 1, 0);
}

WG_EXPORT("free") void k_free(u64 h) {
  if (!is_live_block(h)) return;  // null, invalid or double free: ignored, like Extism
  if (h == S.input_offset || h == S.output_offset || h == S.error_offset) return;  // pinned until reset
  push_free(h);
}

WG_EXPORT("length") u64 k_length(u64 h) {
  return is_live_block(h) ? header_of(h)->length : 0;
}

// No walk and no alignment check, but still never reads outside memory and answers 0 for a non-live header.
WG_EXPORT("length_unsafe") u64 k_length_unsafe(u64 h) {
  if (h < HEAP_START + kHeaderBytes || h > memory_end()) return 0;
  struct Block* b = header_of(h);
  return b->tag == S.live_tag ? b->length : 0;
}

WG_EXPORT("load_u8") u32 k_load_u8(u64 p) {
  check_access(p, 1);
  return *(const u8*)(uptr)p;
}

WG_EXPORT("load_u64") u64 k_load_u64(u64 p) {
  check_access(p, 8);
  u64 v;
  __builtin_memcpy(&v, (const void*)(uptr)p, 8);  // unaligned i64.load
  return v;
}

WG_EXPORT("store_u8") void k_store_u8(u64 p, u32 v) {
  check_access(p, 1);
  *(u8*)(uptr)p = (u8)v;
}

WG_EXPORT("store_u64") void k_store_u64(u64 p, u64 v) {
  check_access(p, 8);
  __builtin_memcpy((void*)(uptr)p, &v, 8);
}

WG_EXPORT("input_length") u64 k_input_length(void) {
  return S.input_length;
}
WG_EXPORT("input_offset") u64 k_input_offset(void) {
  return S.input_offset;
}

// Offsets relative to the input; past its end they read 0 (input_set checked the range lies in memory).
WG_EXPORT("input_load_u8") u32 k_input_load_u8(u64 off) {
  if (off >= S.input_length) return 0;
  return *(const u8*)(uptr)(S.input_offset + off);
}

WG_EXPORT("input_load_u64") u64 k_input_load_u64(u64 off) {
  if (off >= S.input_length || S.input_length - off < 8) return 0;
  u64 v;
  __builtin_memcpy(&v, (const void*)(uptr)(S.input_offset + off), 8);
  return v;
}

// A range outside the heap is ignored (Extism's bounds-checking build does the same).
WG_EXPORT("input_set") void k_input_set(u64 h, u64 len) {
  if (!in_heap(h, len)) return;
  S.input_offset = h;
  S.input_length = len;
}

WG_EXPORT("output_set") void k_output_set(u64 p, u64 len) {
  if (!in_heap(p, len)) return;
  S.output_offset = p;
  S.output_length = len;
}

WG_EXPORT("output_length") u64 k_output_length(void) {
  return S.output_length;
}
WG_EXPORT("output_offset") u64 k_output_offset(void) {
  return S.output_offset;
}

// 0 clears the error. The length is taken now, so the host needs no call to read the message.
WG_EXPORT("error_set") void k_error_set(u64 h) {
  if (h == 0) {
    S.error_offset = 0;
    S.error_length = 0;
    return;
  }
  if (!in_heap(h, 0)) return;
  S.error_offset = h;
  S.error_length = k_length(h);
}

WG_EXPORT("error_get") u64 k_error_get(void) {
  return S.error_offset;
}

// kernel_prepare.cpp (prepare_call_in_memory) repeats this and the input block's allocation on the host side:
// a change here must be made there too (kernel_prepare_test checks that both leave identical bytes).
WG_EXPORT("reset") void k_reset(void) {
  if (S.heap_top > S.dirty_top) S.dirty_top = S.heap_top;
  S.heap_top = S.heap_start;
  S.generation += 1;
  S.live_tag = WG_TAG(S.generation, WG_KIND_LIVE);
  S.free_tag = WG_TAG(S.generation, WG_KIND_FREE);
  S.nonempty[0] = 0;
  S.nonempty[1] = 0;
  S.input_offset = S.input_length = 0;
  S.output_offset = S.output_length = 0;
  S.error_offset = S.error_length = 0;
}

WG_EXPORT("memory_bytes") u64 k_memory_bytes(void) {
  return (u64)S.heap_top - S.heap_start;
}

// ---- wasmgate host fast path ------------------------------------------------------------------------------

// One host→wasm call before a plugin call: reset, allocate the input block, input_set. Returns where the host
// copies the input (0 when input_len is 0, or on failure: out of memory). Memory may have grown: the host
// must take a fresh view after this call. i32 in and out, unlike the Extism functions: a host→wasm i64
// crosses as a boxed BigInt each way (~150 ns in V8 10.2), an i32 as a small integer; inputs are < 3 GiB
// (WG_MAX_ALLOC_BYTES) and handles < 4 GiB, so u32 holds both.
WG_EXPORT("wg_prepare_call") u32 k_wg_prepare_call(u32 input_len) {
  k_reset();
  u64 h = alloc_block(input_len, 0, 1);
  if (h != 0) {
    S.input_offset = h;
    S.input_length = input_len;
  }
  return (u32)h;
}
