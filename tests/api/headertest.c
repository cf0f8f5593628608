/* box.h must compile on its own, warning-free under -pedantic -std=c99. */
#include <box.h>

int main(void)
{
    box_status_t st;

    st.end = BOX_END_EXITED;
    st.exit_code = 0;

    return st.exit_code;
}
