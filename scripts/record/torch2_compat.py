"""PyTorch 2.x functions the recorders need, composed in torch 1.13.

Imported by ops_golden.py and op_dtypes.py (and so by the recorders that
import ops_golden): where torch lacks F.scaled_dot_product_attention (1.13),
it is defined here as PyTorch 2.x documents it (its reference formula):
softmax(q @ k^T * scale + bias) @ v, a bool mask meaning "takes part in
attention" (False adds -inf), a float mask added, is_causal a
lower-triangular bool mask, dropout on the weights (torch.dropout,
train=True), and 2.x's errors (validate_sdpa_input, the causal check).
"""
import math

import torch
import torch.nn.functional as F

C10 = {torch.float32: "float", torch.float64: "double", torch.int32: "int", torch.int64: "long int", torch.bool: "bool"}


def _check(query, key, value, attn_mask):
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: %s "
                           "and value.dtype: %s instead." % (C10[query.dtype], C10[key.dtype], C10[value.dtype]))
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError("Expected query, key, and value to all be  at least 2 dimensional, but got query.dim: %d "
                           "key.dim: %d and value.dim: %d instead." % (query.dim(), key.dim(), value.dim()))
    if attn_mask is not None and attn_mask.dtype not in (torch.bool, torch.float32, query.dtype):
        raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           "attn_mask.dtype: %s and  query.dtype: %s instead." % (C10[attn_mask.dtype], C10[query.dtype]))


def _bool_bias(mask, dtype):
    return torch.zeros(mask.shape, dtype=dtype).masked_fill(mask.logical_not(), float("-inf"))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    _check(query, key, value, attn_mask)
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn = query @ key.transpose(-2, -1) * scale_factor
    if is_causal:
        attn = attn + _bool_bias(torch.ones(L, S, dtype=torch.bool).tril(diagonal=0), query.dtype)
    elif attn_mask is not None:
        attn = attn + (_bool_bias(attn_mask, query.dtype) if attn_mask.dtype == torch.bool else attn_mask)
    attn = torch.softmax(attn, dim=-1)
    if dropout_p > 0.0:
        attn = torch.dropout(attn, dropout_p, train=True)
    return attn @ value


if not hasattr(F, "scaled_dot_product_attention"):
    F.scaled_dot_product_attention = scaled_dot_product_attention
