// heapmap.dump(): every allocated block of MicroPython's GC heap, one line each, for
// tools/heapmap.py (make heapmap), which builds the Unix port with this module and the
// firmware frozen in. A line is
//     H <address> <bytes> <kind> <name> <owner>
// kind: I an instance of a class defined in Python (name: the class), C a type object (its
// name), F a function (its name), M a module (its name), O any other object of a built-in
// type (the type's name), R raw memory (no object header: a dict's or an instance's table,
// a list's items, a buffer's bytes, ...; name "-"); owner: the address of the first block
// that holds a pointer to this one's start, or 0. The heap is only read; the owner table
// comes from the C heap, so the dump itself allocates nothing on the GC heap.
#include <stdlib.h>

#include "py/gc.h"
#include "py/mpstate.h"
#include "py/obj.h"
#include "py/runtime.h"

// py/gc.c's allocation table: 2 bits a block, 4 blocks a byte (its own macros are private)
#define HM_KIND(area, b) (((area)->gc_alloc_table_start[(b) >> 2] >> (2 * ((b) & 3))) & 3)
#define HM_HEAD (1)
#define HM_TAIL (2)

extern char __executable_start, _end;  // the program's own image (static objects)

static bool hm_static(const void *p) {
    return (const char *)p >= &__executable_start && (const char *)p < &_end;
}

// the blocks of the allocation starting at block b (its head) of the area's n
static size_t hm_blocks(mp_state_mem_area_t *area, size_t b, size_t n) {
    size_t len = 1;
    while (b + len < n && HM_KIND(area, b + len) == HM_TAIL) {
        len++;
    }
    return len;
}

static mp_obj_t heapmap_dump(void) {
    mp_state_mem_area_t *area = &MP_STATE_MEM(area);
    size_t n = area->gc_alloc_table_byte_len * 4;
    byte *start = area->gc_pool_start;
    size_t *owner = calloc(n, sizeof(size_t));  // block -> owning block + 1
    if (owner == NULL) {
        mp_raise_msg(&mp_type_MemoryError, MP_ERROR_TEXT("heapmap: no C heap for the owner table"));
    }
    for (size_t b = 0; b < n; b++) {
        if (HM_KIND(area, b) != HM_HEAD) {
            continue;
        }
        size_t len = hm_blocks(area, b, n);
        void **w = (void **)(start + b * MICROPY_BYTES_PER_GC_BLOCK);
        for (size_t i = 0; i < len * MICROPY_BYTES_PER_GC_BLOCK / sizeof(void *); i++) {
            byte *p = (byte *)w[i];
            if (p >= start && p < area->gc_pool_end && ((size_t)(p - start)) % MICROPY_BYTES_PER_GC_BLOCK == 0) {
                size_t t = (size_t)(p - start) / MICROPY_BYTES_PER_GC_BLOCK;
                if (t != b && HM_KIND(area, t) == HM_HEAD && owner[t] == 0) {
                    owner[t] = b + 1;
                }
            }
        }
    }
    for (size_t b = 0; b < n; b++) {
        if (HM_KIND(area, b) != HM_HEAD) {
            continue;
        }
        size_t len = hm_blocks(area, b, n);
        byte *addr = start + b * MICROPY_BYTES_PER_GC_BLOCK;
        const mp_obj_type_t *t = *(const mp_obj_type_t **)addr;
        char kind = 'R';
        const char *name = "-";
        // an object starts with its type; raw memory with anything (taken for an object
        // only if what its first word points at is a type: a list of types would be, rarely)
        bool ptr = t != NULL && (hm_static(t) || ((const byte *)t >= start && (const byte *)t < area->gc_pool_end));
        if (ptr && t->base.type == &mp_type_type) {
            mp_obj_t obj = MP_OBJ_FROM_PTR(addr);
            if (t == &mp_type_type) {
                kind = 'C';
                name = qstr_str(((mp_obj_type_t *)addr)->name);
            } else if (t == &mp_type_module) {
                kind = 'M';
                mp_map_elem_t *e = mp_map_lookup(&mp_obj_module_get_globals(obj)->map, MP_OBJ_NEW_QSTR(MP_QSTR___name__),
                    MP_MAP_LOOKUP);
                if (e != NULL && mp_obj_is_qstr(e->value)) {
                    name = qstr_str(MP_OBJ_QSTR_VALUE(e->value));
                }
            } else if (t == &mp_type_fun_bc || t == &mp_type_fun_native || t == &mp_type_fun_viper) {
                kind = 'F';
                name = qstr_str(mp_obj_fun_get_name(obj));
            } else {
                kind = hm_static(t) ? 'O' : 'I';
                name = qstr_str(t->name);
            }
        }
        size_t o = owner[b];
        mp_printf(&mp_plat_print, "H %lx %u %c %s %lx\n", (unsigned long)addr, (unsigned)(len * MICROPY_BYTES_PER_GC_BLOCK),
            kind, name, o ? (unsigned long)(start + (o - 1) * MICROPY_BYTES_PER_GC_BLOCK) : 0UL);
    }
    free(owner);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(heapmap_dump_obj, heapmap_dump);

static const mp_rom_map_elem_t heapmap_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_heapmap) },
    { MP_ROM_QSTR(MP_QSTR_dump), MP_ROM_PTR(&heapmap_dump_obj) },
};
static MP_DEFINE_CONST_DICT(heapmap_globals, heapmap_globals_table);

const mp_obj_module_t heapmap_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&heapmap_globals,
};
MP_REGISTER_MODULE(MP_QSTR_heapmap, heapmap_module);
