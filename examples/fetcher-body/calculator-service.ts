// Spec 2.2 fetchers with function body, service (function form of callbacks).
import { callback, Global } from "daffi";
import { connection } from "../connection";

export const calculateSum = callback(function calculateSum(num1: number, num2: number): number {
  return num1 + num2;
});

export const calculateDifference = callback(function calculateDifference(num1: number, num2: number): number {
  return num1 - num2;
});

void Global.start({ initController: true, ...connection() }).then((g) => g.join());
