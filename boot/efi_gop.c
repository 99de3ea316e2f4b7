/*
 * GOP framebuffer discovery (see efi_gop.h). Reads the current mode only;
 * never sets a mode or draws.
 */
#include <efi.h>
#include <efilib.h>
#include <string.h>

#include "boot/efi_gop.h"

/* Lowest set bit of a colour mask: the channel's shift (0 for no mask). */
static uint8_t efi_gop_shift(uint32_t mask)
{
	return mask ? (uint8_t)__builtin_ctz(mask) : 0;
}

void efi_gop_find(struct boot_framebuffer *fb)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info;
	uint32_t bpp = 32;

	memset(fb, 0, sizeof(*fb));
	if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &gop_guid, NULL, (void **)&gop)) ||
	    !gop || !gop->Mode || !gop->Mode->Info)
		return;
	info = gop->Mode->Info;

	switch (info->PixelFormat) {
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->blue_shift = 0;
		fb->green_shift = 8;
		fb->red_shift = 16;
		break;
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red_shift = 0;
		fb->green_shift = 8;
		fb->blue_shift = 16;
		break;
	case PixelBitMask: {
		EFI_PIXEL_BITMASK *m = &info->PixelInformation;
		uint32_t all = m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask;

		if (!all)
			return;
		fb->red_shift = efi_gop_shift(m->RedMask);
		fb->green_shift = efi_gop_shift(m->GreenMask);
		fb->blue_shift = efi_gop_shift(m->BlueMask);
		/* Pixel size from the highest mask bit, in whole bytes. */
		bpp = (32 - (uint32_t)__builtin_clz(all) + 7) / 8 * 8;
		break;
	}
	default: /* PixelBltOnly: no linear framebuffer */
		return;
	}
	fb->base = gop->Mode->FrameBufferBase;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->bpp = (uint8_t)bpp;
	fb->pitch = info->PixelsPerScanLine * (bpp / 8);
}
