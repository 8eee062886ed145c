#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
static uint64_t s = 88172645463325252ULL;
static uint64_t xr(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static void out(double d) { uint64_t b; memcpy(&b, &d, 8); printf("%016llx\t%g\n", (unsigned long long) b, d); }
int main(void) {
  double specials[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-5, 1e-4, 9.99999e-5, 99999.5, 999999.5, 1e6, 123456.0, 1234567.0, 0.1, 1.0/3, 2.0/3, 1e300, 1e-300, 5e-324, 1.7976931348623157e308, 0.0001, 0.00001234565, 1.0/0.0, -1.0/0.0, 0.0/0.0, 100000, 999999, 1000000, 0.000123455, 0.000123445, 2.5, 3.5, 1.5e-7, 12345.65, 12345.75};
  for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) out(specials[i]);
  for (int e = -20; e <= 20; e++) { for (int k = 1; k <= 9; k++) { double d = k; for (int j = 0; j < (e < 0 ? -e : e); j++) d = e < 0 ? d / 10 : d * 10; out(d); out(d * 1.0000005); out(d * 0.9999995); out(d + 0.5); } }
  for (int i = 0; i < 2000; i++) { uint64_t b = xr(); double d; memcpy(&d, &b, 8); out(d); }
  for (int i = 0; i < 1000; i++) { double d = (double)(xr() % 2000000) / (double)(1 + xr() % 1000); out(d); float f = (float) d; out((double) f); }
  return 0;
}
