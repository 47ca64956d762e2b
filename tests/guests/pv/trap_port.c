/* Only gamut's ring-0 stub may write the trap port; a guest that fakes an
 * exception report is stopped ("trap port"). */
#include "hostile.h"

int main(void)
{
	raw_hypercall(PV_PORT_TRAP, 14);
	return 4;
}
