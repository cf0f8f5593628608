/* box.h must compile on its own, warning-free under -pedantic -std=c99. */
#include <box.h>

int main(void)
{
    box_status_t st = { BOX_END_EXITED, 0, 0, 0, 0, 0, 0, { 0 } };

    return st.exit_code;
}
