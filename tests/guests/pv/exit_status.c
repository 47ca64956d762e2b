/* Not hostile: returns 42 from main; gamut must exit with 42. */
int main(void)
{
	return 42;
}
