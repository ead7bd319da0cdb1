# heapmap: a diagnostic module for the Unix port that tools/heapmap.py builds (make heapmap)
HEAPMAP_MOD_DIR := $(USERMOD_DIR)
SRC_USERMOD += $(HEAPMAP_MOD_DIR)/heapmap.c
