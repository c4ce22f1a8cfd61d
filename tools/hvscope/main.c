#include <stdio.h>
int main(void) { puts("hvscope"); return 0; }
