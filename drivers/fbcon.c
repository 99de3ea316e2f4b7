/*
 * Framebuffer text console with GRUB's 8x16 ASCII font (grub-common's
 * ascii.h, copied into the build at compile time). When the last row is
 * full it wraps to the top and clears the row it writes, instead of
 * scrolling: scrolling reads back video memory, which is slow on real
 * hardware and very slow under emulation.
 */
#include "drivers/fbcon.h"

#include <stdint.h>
#include <string.h>

#include "font8x16.h"
#include "kernel/mm/directmap.h"

#define GLYPH_W 8
#define GLYPH_H 16
#define FG_RGB	0xc0c0c0
#define BG_RGB	0x000000

static struct boot_framebuffer fb;
static unsigned cols, rows, col, row;
static uint32_t fg, bg;

static uint32_t fbcon_color(uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	return (r << fb.red_shift) | (g << fb.green_shift) | (b << fb.blue_shift);
}

static uint32_t *fbcon_pixel(unsigned x, unsigned y)
{
	return (uint32_t *)((uint8_t *)phys_to_virt(fb.base) + (uint64_t)y * fb.pitch) + x;
}

static void fbcon_clear_row(unsigned r)
{
	for (unsigned y = r * GLYPH_H; y < (r + 1) * GLYPH_H; y++) {
		uint32_t *p = fbcon_pixel(0, y);
		for (unsigned x = 0; x < fb.width; x++)
			p[x] = bg;
	}
}

static void fbcon_draw(unsigned c, unsigned r, unsigned char ch)
{
	if (ch >= 128)
		ch = '?';
	const unsigned char *glyph = &ascii_bitmaps[ch * GLYPH_H];
	for (unsigned y = 0; y < GLYPH_H; y++) {
		uint32_t *p = fbcon_pixel(c * GLYPH_W, r * GLYPH_H + y);
		for (unsigned x = 0; x < GLYPH_W; x++)
			p[x] = (glyph[y] & (0x80 >> x)) ? fg : bg;
	}
}

static void fbcon_newline(void)
{
	col = 0;
	row = (row + 1) % rows;
	fbcon_clear_row(row);
}

void fbcon_init(const struct boot_framebuffer *info)
{
	if (!info->base || info->bpp != 32 || info->width < GLYPH_W || info->height < GLYPH_H)
		return;
	fb = *info;
	cols = fb.width / GLYPH_W;
	rows = fb.height / GLYPH_H;
	fg = fbcon_color(FG_RGB);
	bg = fbcon_color(BG_RGB);
	col = row = 0;
	fbcon_clear_row(0);
}

void fbcon_write(const char *s, size_t len)
{
	if (!cols)
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];
		if (ch == '\n') {
			fbcon_newline();
			continue;
		}
		if (ch == '\r')
			continue;
		if (col == cols)
			fbcon_newline();
		fbcon_draw(col++, row, ch);
	}
}
