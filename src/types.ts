export type Dtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** `'cpu'`, `'cuda'` or `'cuda:N'`. */
export type Device = string;

export interface TensorOptions {
  dtype?: Dtype;
  device?: Device;
  requiresGrad?: boolean;
}

export const DTYPES: readonly Dtype[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
