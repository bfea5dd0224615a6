"""Which CUDA failures a worker survives and which leave its process unusable.

- Out of memory (torch.cuda.OutOfMemoryError only) is recoverable: the tiler halves the tile;
  a job that still does not fit fails with a sentence about the photo's size.
- A sticky error corrupts the process's CUDA context: every later CUDA call fails too, so the
  job is put back in the queue and the process ends (django-q2 starts a fresh one). These are
  the CUDA runtime errors the CUDA documentation calls out as leaving the context in an
  inconsistent state; PyTorch raises them as torch.AcceleratorError (a RuntimeError) whose
  message starts "CUDA error: <description>" and names the cudaError enum. Anything else,
  including other RuntimeErrors that merely mention CUDA, is an ordinary job failure.
"""

from __future__ import annotations

import torch

# cudaError enum name -> the runtime's description of it, as PyTorch's message quotes it.
STICKY_CUDA_ERRORS = {
    "cudaErrorIllegalAddress": "an illegal memory access was encountered",
    "cudaErrorLaunchFailure": "unspecified launch failure",
    "cudaErrorECCUncorrectable": "uncorrectable ECC error encountered",
    "cudaErrorIllegalInstruction": "an illegal instruction was encountered",
    "cudaErrorMisalignedAddress": "misaligned address",
    "cudaErrorInvalidAddressSpace": "operation not supported on global/shared address space",
    "cudaErrorInvalidPc": "invalid program counter",
    "cudaErrorHardwareStackError": "hardware stack error",
    "cudaErrorAssert": "device-side assert triggered",
    "cudaErrorLaunchTimeout": "the launch timed out and was terminated",
}


def is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError)


def is_sticky_cuda_error(exc: BaseException) -> bool:
    if not isinstance(exc, RuntimeError) or is_out_of_memory(exc):
        return False
    message = str(exc)
    if "CUDA error: " not in message:
        return False
    described = message.split("CUDA error: ", 1)[1].splitlines()[0].strip().lower()
    return any(
        described.startswith(text.lower()) or f"`{name}'" in message or f"`{name}`" in message
        for name, text in STICKY_CUDA_ERRORS.items()
    )
