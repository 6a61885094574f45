/* test_csv.c: unit tests of lib/csv.c: quoting, doubled quotes, formula cells, rows, numbers. */
#include "unit.h"

#include "csv.h"

/* One cell, then the row ended: what a reader of the file sees for that cell. */
static void test_cells(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "", "\r\n" },
		{ "plain", "plain\r\n" },
		{ "two words", "two words\r\n" },
		{ "a,b", "\"a,b\"\r\n" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"\r\n" },
		{ "\"", "\"\"\"\"\r\n" },
		{ "line\nbreak", "\"line\nbreak\"\r\n" },
		{ "cr\rhere", "\"cr\rhere\"\r\n" },
		{ "=1+1", "'=1+1\r\n" },
		{ "+1", "'+1\r\n" },
		{ "-1", "'-1\r\n" },
		{ "@SUM(A1)", "'@SUM(A1)\r\n" },
		{ "\tcmd", "'\tcmd\r\n" },
		{ "\rx", "\"'\rx\"\r\n" },
		{ "=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"\r\n" },
		{ "a=b", "a=b\r\n" },
		{ " =x", " =x\r\n" },
		{ "'quoted", "'quoted\r\n" },
		{ "caf\xc3\xa9", "caf\xc3\xa9\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		csv_cell(&sb, cases[i].in, strlen(cases[i].in));
		csv_row_end(&sb);
		unit_check_str(cases[i].in, sb.buf, cases[i].want);
		strbuf_release(&sb);
	}
}

/* Cells are separated by commas, rows end with CRLF, empty cells stay cells. */
static void test_rows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	csv_cell_str(&sb, "id");
	csv_cell_str(&sb, "text");
	csv_cell_str(&sb, "note");
	csv_row_end(&sb);
	csv_cell_int(&sb, 7);
	csv_cell_str(&sb, "a, b");
	csv_cell_str(&sb, NULL);
	csv_row_end(&sb);
	csv_cell_str(&sb, NULL);
	csv_cell_str(&sb, "");
	csv_row_end(&sb);
	csv_row_end(&sb);
	assert_string_equal(sb.buf, "id,text,note\r\n7,\"a, b\",\r\n,\r\n\r\n");
	strbuf_release(&sb);
}

/* Bytes are kept as they are, NUL included (the writer has no opinion on encodings). */
static void test_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	csv_cell(&sb, "a\0b", 3);
	csv_row_end(&sb);
	assert_int_equal(sb.len, 5);
	assert_memory_equal(sb.buf, "a\0b\r\n", 5);
	strbuf_release(&sb);
}

/* Numbers in decimal; a negative one is a cell beginning with '-' like any other. */
static void test_numbers(void **state)
{
	static const struct {
		long long v;
		const char *want;
	} cases[] = {
		{ 0, "0\r\n" },
		{ 42, "42\r\n" },
		{ 9223372036854775807LL, "9223372036854775807\r\n" },
		{ -5, "'-5\r\n" },
		{ -9223372036854775807LL - 1, "'-9223372036854775808\r\n" },
	};
	(void)state;
	for (size_t i = 0; i < UNIT_ARRAY_SIZE(cases); i++) {
		struct strbuf sb = STRBUF_INIT;
		csv_cell_int(&sb, cases[i].v);
		csv_row_end(&sb);
		unit_check_str(cases[i].want, sb.buf, cases[i].want);
		strbuf_release(&sb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
