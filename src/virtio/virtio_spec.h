/* Numbers from the virtio 1.x specification (OASIS virtio v1.1/1.2) that
 * gamut's transports and devices share.  Facts only: no code. */
#ifndef GAMUT_VIRTIO_SPEC_H
#define GAMUT_VIRTIO_SPEC_H

/* Device status field (spec 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	 0x01
#define VIRTIO_STATUS_DRIVER		 0x02
#define VIRTIO_STATUS_DRIVER_OK		 0x04
#define VIRTIO_STATUS_FEATURES_OK	 0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		 0x80

/* Reserved feature bits (spec 6). */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1	32

#define VIRTIO_BIT(n) (1ull << (n))

/* Device IDs (spec 5). */
#define VIRTIO_ID_NET	  1
#define VIRTIO_ID_BLOCK	  2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG	  4

/* Split virtqueue layout (spec 2.7). */
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY	   1
#define VIRTQ_DESC_SIZE	      16 /* le64 addr, le32 len, le16 flags, le16 next */
#define VIRTQ_USED_ELEM_SIZE  8	 /* le32 id, le32 len */

/* Interrupt status bits (virtio-mmio InterruptStatus, PCI ISR). */
#define VIRTIO_INT_USED	  1
#define VIRTIO_INT_CONFIG 2

#endif
