export async function main(): Promise<number> {
  console.log('usage');
  return 0;
}
