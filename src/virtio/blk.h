/* virtio-blk's one entry point besides its device class (blk.c).
 *
 * Requests are served on each disk's I/O thread, after the notify that
 * woke it has returned.  A caller that plays the guest without a vCPU (a
 * unit test, a fuzz target) needs to know when that thread is done, so that
 * what it checks next does not depend on timing. */
#ifndef GAMUT_VIRTIO_BLK_H
#define GAMUT_VIRTIO_BLK_H

/* Waits until every disk of the "virtio-blk" device state `state` has
 * served all the notifications made so far and its I/O thread is idle.
 * NULL (no disks) returns at once. */
void virtio_blk_wait_idle(void *state);

#endif
